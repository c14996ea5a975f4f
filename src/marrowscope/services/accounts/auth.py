"""Sign-in and sessions: who is behind a request, and a brake on password guessing.

A session is a random token held by the browser; the store keeps only its SHA-256, so a
copy of the database cannot be replayed as a live session. Each session carries its own
CSRF token, which every state-changing request must echo back. Failed sign-ins are
counted per username and per client address; past the limit the next attempt is refused
before the password is even checked (OWASP Authentication Cheat Sheet, "Protect against
automated attacks").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from marrowscope.domain.accounts.model import StoredSession, User
from marrowscope.domain.accounts.password_policy import check_new_password
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import AuthenticationFailed, InvalidInput, TooManyAttempts
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.accounts.users import hash_password, needs_rehash, verify_password
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory, read_only

__all__ = [
    "FAILURE_WINDOW_S",
    "MAX_FAILURES",
    "MAX_FAILURES_PER_CLIENT",
    "AuthService",
    "LoginThrottle",
    "Session",
    "SessionPolicy",
    "SignInThrottle",
]

MAX_FAILURES = 5  # failed sign-ins allowed per window and username
# Per address the limit is higher: a ward's computers may share one address, and one
# person's typos must not lock out the whole ward.
MAX_FAILURES_PER_CLIENT = 30
FAILURE_WINDOW_S = 300.0
SESSION_HOURS = 12  # one working shift; the user signs in again the next day
SESSION_IDLE_MINUTES = 30  # a computer left signed in on a ward

# A hash to verify against when the user does not exist, so that an unknown username
# costs the same time as a wrong password and does not reveal which accounts exist.
_DUMMY_HASH = hash_password("not-a-real-password")


class SignInThrottle(Protocol):
    """Failed sign-ins per key: ``LoginThrottle`` (memory) or ``StoredThrottle`` (database)."""

    def check(self, *keys: str) -> None: ...

    def fail(self, *keys: str) -> None: ...

    def succeed(self, username_key: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lives: from sign-in, and without a request.

    ``last_seen_at`` is written at most every ``touch_s`` seconds (a minute, or less for a
    short idle limit), not at every request: a write per request would cost a commit per
    counter key press. The idle limit is therefore kept to within ``touch_s``.
    """

    lifetime: timedelta = timedelta(hours=SESSION_HOURS)
    idle: timedelta = timedelta(minutes=SESSION_IDLE_MINUTES)

    @property
    def touch_s(self) -> float:
        """Seconds between two writes of ``last_seen_at``."""
        return min(60.0, self.idle.total_seconds() / 10)


@dataclass(frozen=True, slots=True)
class Session:
    """A live session: who, and the CSRF token their forms must carry."""

    token: str
    user: User
    csrf_token: str


class LoginThrottle:
    """Counts recent failed sign-ins per key in memory (one process serves the app).

    Memory is enough for one uvicorn process; a multi-process deployment would move
    this to the database or a shared cache.
    """

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        max_failures_per_client: int = MAX_FAILURES_PER_CLIENT,
        window_s: float = FAILURE_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_failures
        self._max_client = max_failures_per_client
        self._window = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        while stamps and now - stamps[0] > self._window:
            stamps.popleft()
        return stamps

    def check(self, *keys: str) -> None:
        """Raise ``TooManyAttempts`` if any key is over the limit."""
        now = self._clock()
        with self._lock:
            for key in keys:
                stamps = self._recent(key, now)
                limit = self._max_client if key.startswith("client:") else self._max
                if len(stamps) >= limit:
                    wait_s = int(self._window - (now - stamps[0])) + 1
                    raise TooManyAttempts(
                        f"too many failed sign-ins; try again in {wait_s} seconds"
                    )

    def fail(self, *keys: str) -> None:
        """Record one failure under each key."""
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeed(self, username_key: str) -> None:
        """A successful sign-in clears that username's failures (not the address's)."""
        with self._lock:
            self._failures.pop(username_key, None)


_Verdict = Literal["dead", "touch", "live"]  # what a stored session's times say


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthService:
    """Signs people in and out and resolves a session token to a user.

    Each call is its own short unit of work: a sign-in must not wait on, or roll back
    with, anything else.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        stores: AccountStores,
        throttle: SignInThrottle | None = None,
        policy: SessionPolicy | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._stores = stores
        self.throttle: SignInThrottle = throttle or LoginThrottle()
        self.policy = policy or SessionPolicy()

    def sign_in(self, username: str, password: str, client: str) -> Session:
        """A new session for valid credentials; refused while rate-limited."""
        name_key = "user:" + username.strip().lower()
        client_key = "client:" + client
        self.throttle.check(name_key, client_key)
        with self._uow_factory() as uow:
            found = uow.bind(self._stores.users).by_username(username.strip().lower())
        if found is None:
            verify_password(_DUMMY_HASH, password)  # same cost as a real check
            self.throttle.fail(name_key, client_key)
            raise AuthenticationFailed("unknown username or wrong password")
        user, password_hash = found
        if not user.active or not verify_password(password_hash, password):
            self.throttle.fail(name_key, client_key)
            raise AuthenticationFailed("unknown username or wrong password")
        self.throttle.succeed(name_key)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        # The writing unit starts with a write, so SQLite takes its write lock at once
        # instead of upgrading a read lock (which fails when another sign-in committed).
        with self._uow_factory() as uow:
            now = uow.now()
            sessions = uow.bind(self._stores.sessions)
            sessions.delete_expired(now)
            sessions.create(
                _digest(token),
                StoredSession(user.id, csrf, now + self.policy.lifetime, last_seen_at=now),
            )
            if needs_rehash(password_hash):
                uow.bind(self._stores.users).set_password_hash(user.id, hash_password(password))
            uow.commit()
        return Session(token=token, user=user, csrf_token=csrf)

    def resolve(self, token: str) -> Session | None:
        """The live session for a token, or None if unknown, expired, idle or the user left.

        An expired or idle session is deleted, not just refused: the same cookie must not
        come back to life if a limit is raised later.
        """
        digest = _digest(token)
        # Every request asks this: read without the write lock, and write (rarely: a
        # touch every ``touch_s``, or the end of a dead session) in a unit of its own.
        with read_only(), self._uow_factory() as uow:
            stored = uow.bind(self._stores.sessions).get(digest)
            now = uow.now()
            user = uow.bind(self._stores.users).get(stored.user_id) if stored else None
        if stored is None:
            return None
        verdict = self._verdict(stored, now)
        if verdict != "live":
            with self._uow_factory() as uow:
                self._write_verdicts(uow, {digest: verdict}, now)
                uow.commit()
        return self._session(token, stored, user, verdict)

    def resolve_many_in(self, uow: UnitOfWork, tokens: Collection[str]) -> dict[str, Session]:
        """:meth:`resolve` of several tokens inside a unit that writes anyway, committed
        with it: the live sessions by token (an ended one is absent, and deleted).

        The counter's group commit (``counting.draft_saves``) checks the sessions of a
        whole batch of saves this way: in the transaction that writes the saves, so no
        sign-out can slip between the check and the write, and in one statement (two
        when a session is due a touch) whatever the number of people in the batch.
        """
        by_digest = {_digest(token): token for token in tokens}
        stored = uow.bind(self._stores.sessions).get_many_with_users(by_digest.keys())
        now = uow.now()
        verdicts = {digest: self._verdict(found, now) for digest, (found, _) in stored.items()}
        self._write_verdicts(uow, verdicts, now)
        live = {}
        for digest, (found, user) in stored.items():
            token = by_digest[digest]
            session = self._session(token, found, user, verdicts[digest])
            if session is not None:
                live[token] = session
        return live

    def _verdict(self, stored: StoredSession, now: datetime) -> _Verdict:
        seen = stored.last_seen_at
        if stored.expires_at <= now or (seen is not None and now - seen >= self.policy.idle):
            return "dead"
        if seen is None or (now - seen).total_seconds() >= self.policy.touch_s:
            return "touch"
        return "live"

    def _write_verdicts(
        self, uow: UnitOfWork, verdicts: Mapping[str, _Verdict], now: datetime
    ) -> None:
        """End the dead sessions and touch those due, by token hash."""
        sessions = uow.bind(self._stores.sessions)
        for digest in (d for d, verdict in verdicts.items() if verdict == "dead"):
            sessions.delete(digest)
        sessions.touch_many([d for d, verdict in verdicts.items() if verdict == "touch"], now)

    @staticmethod
    def _session(
        token: str, stored: StoredSession, user: User | None, verdict: _Verdict
    ) -> Session | None:
        if verdict == "dead" or user is None or not user.active:
            return None
        return Session(token=token, user=user, csrf_token=stored.csrf_token)

    def sign_out(self, token: str) -> None:
        """End the session now (the cookie alone is then worthless)."""
        with self._uow_factory() as uow:
            uow.bind(self._stores.sessions).delete(_digest(token))
            uow.commit()

    def change_password(self, session: Session, current: str, new: str, client: str) -> None:
        """Set a new password for the session's own user, who must give the current one;
        every other session of that user ends.

        Asking for the current password means a session left open on a ward computer
        cannot be turned into a taken account; wrong guesses count towards the same
        sign-in brake as the sign-in form. The change is audited, never the passwords.
        """
        username = session.user.username
        keys = ("user:" + username, "client:" + client)
        self.throttle.check(*keys)
        with self._uow_factory() as uow:
            found = uow.bind(self._stores.users).by_username(username)
        if found is None or not verify_password(found[1], current):
            self.throttle.fail(*keys)
            raise AuthenticationFailed("current password: wrong password")
        check_new_password(new, username)
        if new == current:
            raise InvalidInput("password: the new password must differ from the current one")
        with self._uow_factory() as uow:
            uow.bind(self._stores.users).set_password_hash(found[0].id, hash_password(new))
            # Whoever else holds a session of this account (a stolen cookie, a computer
            # left signed in) is signed out; the session that made the change stays.
            uow.bind(self._stores.sessions).delete_for_user(
                found[0].id, keep=_digest(session.token)
            )
            record_audit(
                uow,
                session.user.actor(),
                "user",
                found[0].id,
                AuditAction.UPDATE,
                {"password": "previous"},
                {"password": "changed by its owner"},
            )
            uow.commit()

    @staticmethod
    def csrf_matches(expected: str, given: str | None) -> bool:
        """Constant-time comparison of CSRF tokens."""
        return given is not None and hmac.compare_digest(expected, given)
