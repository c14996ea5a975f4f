"""Two-step sign-in: a TOTP code (RFC 6238, ``pyotp``) or a recovery code after the password.

Pathologists sign reports and admins hand out accounts, so the setting
``mfa_enforced`` makes both roles use it; anyone else may choose it. A code is taken
once: the secret's row keeps the last time step accepted, and a code of that step or an
earlier one is refused (RFC 6238 section 5.2), so a code read over a shoulder cannot
follow its owner in. Wrong codes meet the sign-in backoff under a key of their own
(``mfa:NAME``). Recovery codes are stored as Argon2id hashes and used once each.

Between the password and the code there is no session but a ticket
(``sign_in_tickets``). Turning it off, new recovery codes and an admin's reset are
re-authenticated by ``two_step_account``; the methods here trust their caller for that.
The store keeps the secret sealed (``db.mfa_crypto``); this module sees it only opened.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import pyotp

from marrowscope.domain.accounts.limits import Lockout
from marrowscope.domain.accounts.model import User
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import AuthenticationFailed, InvalidInput
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.accounts.sign_in_tickets import (
    TICKET_S,
    Purpose,
    Ticket,
    check_ticket,
    make_ticket,
    ticket_key,
)
from marrowscope.services.accounts.users import hash_password, verify_password
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "MFA_ROLES",
    "TICKET_S",
    "Enrolment",
    "SecondFactor",
    "SecondFactorRequired",
    "SecondFactorStore",
    "TwoStepStatus",
    "Ticket",
]

MFA_ROLES = frozenset({Role.PATHOLOGIST, Role.ADMIN})  # who must use it when enforced
RECOVERY_CODES = 10
_STEP_S = 30  # RFC 6238's default time step, what authenticator apps use
_ISSUER = "marrowscope"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


class SecondFactorStore(Protocol):
    """Persistence of secrets and recovery codes (``db.mfa_tables``)."""

    def secret(self, user_id: int) -> tuple[str, bool] | None:
        """The secret and whether it was confirmed (``AuthenticationFailed`` if it
        cannot be opened)."""
        ...

    def confirmed(self, user_id: int) -> bool | None:
        """Whether the secret was confirmed (None: no secret), without opening it."""
        ...

    def put_unconfirmed(self, user_id: int, secret: str, at: datetime) -> None: ...

    def confirm(self, user_id: int, at: datetime) -> None: ...

    def take_step(self, user_id: int, step: int) -> bool:
        """Record ``step`` as used if it is later than the last one; whether it was."""
        ...

    def remove(self, user_id: int) -> None: ...

    def replace_recovery_codes(self, user_id: int, hashes: Sequence[str], at: datetime) -> None: ...

    def unused_recovery_codes(self, user_id: int) -> list[tuple[int, str]]: ...

    def use_recovery_code(self, code_id: int, at: datetime) -> bool:
        """Mark it used if it was unused; whether it was."""
        ...


class _Throttle(Protocol):
    def attempt(self, *keys: str) -> tuple[Lockout, ...]: ...

    def succeed(self, *keys: str) -> None: ...


class SecondFactorRequired(AuthenticationFailed):
    """The password was right; the sign-in goes on with ``ticket`` at the code step
    (``purpose`` "enrol": the account must first set up its authenticator)."""

    def __init__(self, ticket: str, purpose: Purpose) -> None:
        words = "set up two-step sign-in" if purpose == "enrol" else "enter your code"
        super().__init__(f"password accepted; {words} to finish signing in")
        self.ticket = ticket
        self.purpose = purpose


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A new secret to put in an authenticator app: as text and as an otpauth URI."""

    secret: str
    uri: str


@dataclass(frozen=True, slots=True)
class TwoStepStatus:
    """What one's security page shows: on, being set up, required, codes left."""

    on: bool
    pending: bool
    required: bool
    recovery_codes_left: int


def _audit(
    uow: UnitOfWork, actor: Actor, user_id: int, before: str, after: str, field: str = ""
) -> None:
    """Turning two-step sign-in on or off is audited (never the secret or a code)."""
    name = field or "two_step_sign_in"
    record_audit(
        uow, actor, "user", user_id, AuditAction.UPDATE, {name: before}, {name: after}
    )  # fmt: skip


class SecondFactor:
    """Tickets, codes, enrolment and recovery codes, each call its own unit of work."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        store: Callable[[Any], SecondFactorStore],
        throttle: _Throttle,
        key: str,
        *,
        enforced: bool,
    ) -> None:
        self._uow_factory = uow_factory
        self._store = store
        self._throttle = throttle
        self._key = ticket_key(key)
        self.enforced = enforced

    # --- who needs it ---

    def required_for(self, user: User) -> bool:
        """Whether ``user``'s role must use it on this server."""
        return self.enforced and user.role in MFA_ROLES

    def purpose_for(self, user: User) -> Purpose | None:
        """ "code" when the account has it, "enrol" when it must and has not, else None."""
        if self.is_on(user.id):
            return "code"
        return "enrol" if self.required_for(user) else None

    def is_on(self, user_id: int) -> bool:
        """Whether the account has a confirmed authenticator (its secret is not opened)."""
        with self._uow_factory() as uow:
            return uow.bind(self._store).confirmed(user_id) is True

    def status(self, user: User) -> TwoStepStatus:
        """On or off, being set up, required, and how many recovery codes are unused."""
        with self._uow_factory() as uow:
            store = uow.bind(self._store)
            confirmed = store.confirmed(user.id)
            left = len(store.unused_recovery_codes(user.id)) if confirmed else 0
        return TwoStepStatus(confirmed is True, confirmed is False, self.required_for(user), left)

    # --- tickets ---

    def ticket(
        self, user: User, password_hash: str, purpose: Purpose, device: str, now: datetime
    ) -> str:
        """A signed note that the password step for ``user`` passed just now."""
        return make_ticket(self._key, user.id, password_hash, purpose, device, now)

    def check_ticket(
        self, ticket: str, password_hash_of: Callable[[int], str | None], now: datetime
    ) -> Ticket:
        """The ticket's content; ``AuthenticationFailed`` if forged, expired or stale."""
        return check_ticket(self._key, ticket, password_hash_of, now)

    # --- codes ---

    def verify(self, user: User, code: str) -> None:
        """Accept a TOTP or recovery code once; ``AuthenticationFailed`` otherwise."""
        keys = ("mfa:" + user.username,)
        self._throttle.attempt(*keys)
        cleaned = "".join(code.split()).replace("-", "").lower()
        with self._uow_factory() as uow:
            ok = self._take(uow, user.id, cleaned)
            uow.commit()
        if not ok:
            raise AuthenticationFailed("code: wrong, expired or already used")
        self._throttle.succeed(*keys)

    def _take(self, uow: UnitOfWork, user_id: int, cleaned: str) -> bool:
        store = uow.bind(self._store)
        found = store.secret(user_id)
        if found is None or not found[1]:
            return False
        if cleaned.isdigit() and len(cleaned) == 6:
            step = self._matching_step(found[0], cleaned, uow.now())
            return step is not None and store.take_step(user_id, step)
        if len(cleaned) != 10:
            return False
        for code_id, code_hash in store.unused_recovery_codes(user_id):
            if verify_password(code_hash, cleaned):
                return store.use_recovery_code(code_id, uow.now())
        return False

    @staticmethod
    def _matching_step(secret: str, code: str, now: datetime) -> int | None:
        """The time step (now, or one either side for clock drift) whose code this is."""
        totp = pyotp.TOTP(secret, interval=_STEP_S)
        current = int(now.timestamp()) // _STEP_S
        for step in (current, current - 1, current + 1):
            if hmac.compare_digest(totp.at(step * _STEP_S), code):
                return step
        return None

    # --- enrolment ---

    def start(self, user: User) -> Enrolment:
        """A new, unconfirmed secret (an enrolled account must turn it off first)."""
        secret = pyotp.random_base32()
        with self._uow_factory() as uow:
            store = uow.bind(self._store)
            found = store.secret(user.id)
            if found is not None and found[1]:
                raise InvalidInput("two-step sign-in is already on; turn it off first")
            store.put_unconfirmed(user.id, secret, uow.now())
            uow.commit()
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=_ISSUER)
        return Enrolment(secret, uri)

    def pending(self, user: User) -> Enrolment | None:
        """The unconfirmed secret being set up, if any."""
        with self._uow_factory() as uow:
            found = uow.bind(self._store).secret(user.id)
        if found is None or found[1]:
            return None
        uri = pyotp.TOTP(found[0]).provisioning_uri(name=user.username, issuer_name=_ISSUER)
        return Enrolment(found[0], uri)

    def confirm(self, user: User, code: str) -> list[str]:
        """Turn it on with a first code from the app; the new recovery codes, shown once."""
        keys = ("mfa:" + user.username,)
        self._throttle.attempt(*keys)
        cleaned = "".join(code.split())
        with self._uow_factory() as uow:
            store = uow.bind(self._store)
            found = store.secret(user.id)
            if found is None or found[1]:
                raise InvalidInput("code: start setting up two-step sign-in first")
            step = self._matching_step(found[0], cleaned, uow.now())
            if step is None or not store.take_step(user.id, step):
                raise AuthenticationFailed("code: wrong or expired; check the app's clock")
            store.confirm(user.id, uow.now())
            codes = self._new_codes(uow, user.id)
            _audit(uow, user.actor(), user.id, "off", "on")
            uow.commit()
        self._throttle.succeed(*keys)
        return codes

    def new_recovery_codes(self, user: User) -> list[str]:
        """Replace the recovery codes (the old ones stop working); shown once, audited
        by count. The caller has checked the password (``two_step_account``)."""
        with self._uow_factory() as uow:
            if uow.bind(self._store).confirmed(user.id) is not True:
                raise InvalidInput("recovery codes: turn two-step sign-in on first")
            codes = self._new_codes(uow, user.id)
            _audit(uow, user.actor(), user.id, "replaced", f"{len(codes)} new", "recovery_codes")
            uow.commit()
        return codes

    def turn_off(self, user: User, code: str) -> None:
        """Remove the authenticator (refused where the role must use it)."""
        if self.required_for(user):
            raise InvalidInput(f"two-step sign-in is required for the {user.role.value} role")
        self.verify(user, code)
        with self._uow_factory() as uow:
            uow.bind(self._store).remove(user.id)
            _audit(uow, user.actor(), user.id, "on", "off")
            uow.commit()

    def reset(
        self, actor: Actor, user_id: int, also: Callable[[UnitOfWork], None] | None = None
    ) -> bool:
        """Remove another person's authenticator and recovery codes, audited as ``actor``'s
        act (``also`` runs in the same unit of work); whether there was one. The caller
        checks who may (``two_step_account``)."""
        with self._uow_factory() as uow:
            store = uow.bind(self._store)
            had = store.confirmed(user_id)
            store.remove(user_id)
            before = {True: "on", False: "being set up", None: "off"}[had]
            _audit(uow, actor, user_id, before, "reset by an admin")
            if also is not None:
                also(uow)
            uow.commit()
        return had is not None

    def _new_codes(self, uow: UnitOfWork, user_id: int) -> list[str]:
        codes = [
            "".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)
        ]
        uow.bind(self._store).replace_recovery_codes(
            user_id, [hash_password(code) for code in codes], uow.now()
        )
        return [f"{code[:5]}-{code[5:]}" for code in codes]
