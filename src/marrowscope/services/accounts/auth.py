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
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from marrowscope.domain.accounts.limits import (
    FAILURE_WINDOW_S,
    MAX_FAILURES,
    MAX_FAILURES_PER_CLIENT,
    Lockout,
)
from marrowscope.domain.accounts.model import StoredSession, User
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import AuthenticationFailed, InvalidInput, TooManyAttempts
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.accounts.lockouts import Lockouts
from marrowscope.services.accounts.memory_limits import LoginThrottle
from marrowscope.services.accounts.password_rules import PasswordRules
from marrowscope.services.accounts.second_factor import (
    Enrolment,
    SecondFactor,
    SecondFactorRequired,
    Ticket,
)
from marrowscope.services.accounts.users import hash_password, needs_rehash, verify_password
from marrowscope.services.audit import record_audit, record_sign_in_event
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

SESSION_HOURS = 12  # one working shift; the user signs in again the next day
SESSION_IDLE_MINUTES = 30  # a computer left signed in on a ward
# Sessions one account may hold at once (a desk, a ward computer, a phone, the API...);
# a new sign-in beyond it ends the account's oldest session rather than being refused,
# so that a forgotten session on another ward never keeps its owner out.
MAX_SESSIONS_PER_USER = 5

# A hash to verify against when the user does not exist, so that an unknown username
# costs the same time as a wrong password and does not reveal which accounts exist.
_DUMMY_HASH = hash_password("not-a-real-password")


class SignInThrottle(Protocol):
    """Sign-in limits per key: ``LoginThrottle`` (memory) or ``StoredThrottle`` (database).

    ``attempt`` checks every key and counts the attempt under each in one step (raising
    ``TooManyAttempts`` while one is over its limit), before the password is checked;
    ``succeed`` hands a right password's attempt back.
    """

    def attempt(self, *keys: str) -> tuple[Lockout, ...]: ...

    def succeed(self, *keys: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lives: from sign-in, and without a request.

    ``last_seen_at`` is written at most every ``touch_s`` seconds (a minute, or less for a
    short idle limit), not at every request: a write per request would cost a commit per
    counter key press. The idle limit is therefore kept to within ``touch_s``.
    """

    lifetime: timedelta = timedelta(hours=SESSION_HOURS)
    idle: timedelta = timedelta(minutes=SESSION_IDLE_MINUTES)
    max_per_user: int = MAX_SESSIONS_PER_USER

    @property
    def touch_s(self) -> float:
        """Seconds between two writes of ``last_seen_at``."""
        return min(60.0, self.idle.total_seconds() / 10)


@dataclass(frozen=True, slots=True)
class Session:
    """A live session: who, and the CSRF token their forms must carry.

    At sign-in it also carries ``device``, the id the browser keeps as its device cookie
    (``web.accounts.device``), and the account's ``notices`` (e.g. a lockout) to show once.
    """

    token: str
    user: User
    csrf_token: str
    device: str = ""
    notices: tuple[str, ...] = ()


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
        lockouts: Lockouts | None = None,
        second_factor: SecondFactor | None = None,
        rules: PasswordRules | None = None,
    ) -> None:
        self.uow_factory = self._uow_factory = uow_factory
        self.stores = self._stores = stores
        self.throttle: SignInThrottle = throttle or LoginThrottle()
        self.policy = policy or SessionPolicy()
        self.lockouts = lockouts or Lockouts(uow_factory)
        self.second_factor = second_factor  # None: passwords only (unit tests)
        self.password_rules = rules or PasswordRules()

    def sign_in(
        self, username: str, password: str, client: str, device: str = "", agent: str = ""
    ) -> Session:
        """A new session for valid credentials; refused while rate-limited.

        ``device`` is the id of the device cookie this browser holds *for this username*
        (checked by the web layer's signature), or "". From a known device only the
        device's own backoff applies: neither a guesser pausing the account from
        elsewhere nor the failures of others behind the same address (a ward behind
        one NAT) can keep the holder out with their right password (OWASP, "Slow Down
        Online Guessing Attacks with Device Cookies").

        An account with two-step sign-in (or one that must have it) gets no session here:
        ``SecondFactorRequired`` carries the ticket for :meth:`finish_sign_in`.
        """
        name = username.strip().lower()
        keys = ("device:" + device,) if device else ("user:" + name, "client:" + client)
        try:
            lockouts = self.throttle.attempt(*keys)
        except TooManyAttempts:
            self._audit_failure(name, client, "refused while paused")
            raise
        with self._uow_factory() as uow:
            found = uow.bind(self._stores.users).by_username(name)
        if found is None:
            verify_password(_DUMMY_HASH, password)  # same cost as a real check
            self.lockouts.announce(None, lockouts)
            self._audit_failure(name, client, "unknown username")
            raise AuthenticationFailed("unknown username or wrong password")
        user, password_hash = found
        if not user.active or not verify_password(password_hash, password):
            self.lockouts.announce(user, lockouts)
            reason = "inactive account" if not user.active else "wrong password"
            self._audit_failure(name, client, reason, user.id)
            raise AuthenticationFailed("unknown username or wrong password")
        self.throttle.succeed(*keys)
        if needs_rehash(password_hash):
            with self._uow_factory() as uow:
                uow.bind(self._stores.users).set_password_hash(user.id, hash_password(password))
                uow.commit()
        purpose = self.second_factor.purpose_for(user) if self.second_factor else None
        if self.second_factor is not None and purpose is not None:
            with self._uow_factory() as uow:
                found = uow.bind(self._stores.users).by_username(name)
                now = uow.now()
            current_hash = found[1] if found else password_hash
            ticket = self.second_factor.ticket(user, current_hash, purpose, device, now)
            raise SecondFactorRequired(ticket, purpose)
        return self.open_session(user, client, device, agent)

    def open_session(self, user: User, client: str, device: str = "", agent: str = "") -> Session:
        """A new session for ``user``, whose credentials were checked; the oldest of the
        account's sessions beyond ``policy.max_per_user`` end with it."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        # The writing unit starts with a write, so SQLite takes its write lock at once
        # instead of upgrading a read lock (which fails when another sign-in committed).
        with self._uow_factory() as uow:
            now = uow.now()
            sessions = uow.bind(self._stores.sessions)
            sessions.delete_expired(now)
            stored = StoredSession(
                user.id, csrf, now + self.policy.lifetime, now, client[:64], agent[:200]
            )
            sessions.create_capped(_digest(token), stored, self.policy.max_per_user)
            record_sign_in_event(
                uow, AuditAction.SIGN_IN, user_id=user.id, actor=user.actor(), client=client
            )
            uow.commit()
        notices = self.lockouts.take(user.id)
        device = device or secrets.token_urlsafe(16)
        return Session(token=token, user=user, csrf_token=csrf, device=device, notices=notices)

    def finish_sign_in(self, ticket: str, code: str, client: str, agent: str = "") -> Session:
        """The code step of a two-step sign-in: a session for a valid ticket and code."""
        checked = self._ticket(ticket, "code")
        try:
            self._second().verify(checked[0], code)
        except (AuthenticationFailed, TooManyAttempts):
            user = checked[0]
            self._audit_failure(user.username, client, "second step refused", user.id)
            raise
        return self.open_session(checked[0], client, checked[1].device, agent)

    def enrolment_of(self, ticket: str) -> tuple[User, Enrolment]:
        """The secret to set up for an enrol ticket (made at the first look)."""
        user, _ = self._ticket(ticket, "enrol")
        return user, self._second().pending(user) or self._second().start(user)

    def finish_enrolment(
        self, ticket: str, code: str, client: str, agent: str = ""
    ) -> tuple[Session, list[str]]:
        """Confirm the enrolment with a first code; a session and the recovery codes."""
        user, checked = self._ticket(ticket, "enrol")
        codes = self._second().confirm(user, code)
        return self.open_session(user, client, checked.device, agent), codes

    def _audit_failure(
        self, name: str, client: str, reason: str, user_id: int | None = None
    ) -> None:
        """A failed sign-in in the audit trail, in a unit of its own (docs/audit.md)."""
        with self._uow_factory() as uow:
            record_sign_in_event(
                uow, AuditAction.SIGN_IN_FAILED, user_id=user_id, typed_username=name,
                client=client, detail=reason,
            )  # fmt: skip
            uow.commit()

    def _second(self) -> SecondFactor:
        if self.second_factor is None:
            raise AuthenticationFailed("two-step sign-in is not set up on this server")
        return self.second_factor

    def _ticket(self, ticket: str, purpose: str) -> tuple[User, Ticket]:
        with self._uow_factory() as uow:
            now = uow.now()
        users: dict[int, tuple[User, str]] = {}

        def password_hash_of(user_id: int) -> str | None:
            with self._uow_factory() as uow:
                user = uow.bind(self._stores.users).get(user_id)
                found = uow.bind(self._stores.users).by_username(user.username) if user else None
            if found is None or not found[0].active:
                return None
            users[user_id] = found
            return found[1]

        checked = self._second().check_ticket(ticket, password_hash_of, now)
        if checked.purpose != purpose:
            raise AuthenticationFailed("the sign-in expired; sign in with your password again")
        return users[checked.user_id][0], checked

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
        lockouts = self.throttle.attempt(*keys)
        with self._uow_factory() as uow:
            found = uow.bind(self._stores.users).by_username(username)
        if found is None or not verify_password(found[1], current):
            self.lockouts.announce(session.user, lockouts)
            raise AuthenticationFailed("current password: wrong password")
        self.throttle.succeed(*keys)
        self.password_rules.check(new, username, session.user.role, session.user.display_name)
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
