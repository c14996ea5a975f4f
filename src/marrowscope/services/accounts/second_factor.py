"""Two-step sign-in: a TOTP code (RFC 6238, ``pyotp``) or a recovery code after the password.

Pathologists sign reports and admins hand out accounts, so the setting
``mfa_enforced`` makes both roles use it; anyone else may choose it. A code is taken
once: the secret's row keeps the last time step accepted, and a code of that step or an
earlier one is refused (RFC 6238 section 5.2), so a code read over a shoulder cannot
follow its owner in. Wrong codes meet the sign-in backoff under a key of their own
(``mfa:NAME``). Recovery codes are stored as Argon2id hashes and used once each.

Between the password and the code there is no session: the password step hands out a
*ticket*, an HMAC-signed note (user, purpose, expiry, a digest of the password hash)
that only the code step accepts, for five minutes, and that a password change voids.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import pyotp

from marrowscope.domain.accounts.limits import Lockout
from marrowscope.domain.accounts.model import User
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import AuthenticationFailed, InvalidInput
from marrowscope.domain.roles import Role
from marrowscope.services.accounts.users import hash_password, verify_password
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "MFA_ROLES",
    "Enrolment",
    "SecondFactor",
    "SecondFactorRequired",
    "SecondFactorStore",
    "Ticket",
]

MFA_ROLES = frozenset({Role.PATHOLOGIST, Role.ADMIN})  # who must use it when enforced
TICKET_S = 300  # from the password to the code
RECOVERY_CODES = 10
_STEP_S = 30  # RFC 6238's default time step, what authenticator apps use
_ISSUER = "marrowscope"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


class SecondFactorStore(Protocol):
    """Persistence of secrets and recovery codes (``db.mfa_tables``)."""

    def secret(self, user_id: int) -> tuple[str, bool] | None:
        """The secret and whether it was confirmed."""
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


Purpose = Literal["code", "enrol"]


@dataclass(frozen=True, slots=True)
class Ticket:
    """A checked ticket: whose, for what, and the device id the browser sent."""

    user_id: int
    purpose: Purpose
    device: str


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


def _audit(uow: UnitOfWork, user: User, before: str, after: str) -> None:
    """Turning two-step sign-in on or off is audited (never the secret or a code)."""
    record_audit(
        uow, user.actor(), "user", user.id, AuditAction.UPDATE,
        {"two_step_sign_in": before}, {"two_step_sign_in": after},
    )  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


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
        self._key = hashlib.sha256(b"marrowscope-mfa-ticket\0" + key.encode()).digest()
        self.enforced = enforced

    # --- who needs it ---

    def purpose_for(self, user: User) -> Purpose | None:
        """ "code" when the account has it, "enrol" when it must and has not, else None."""
        with self._uow_factory() as uow:
            found = uow.bind(self._store).secret(user.id)
        if found is not None and found[1]:
            return "code"
        if self.enforced and user.role in MFA_ROLES:
            return "enrol"
        return None

    def is_on(self, user_id: int) -> bool:
        """Whether the account has a confirmed authenticator."""
        with self._uow_factory() as uow:
            found = uow.bind(self._store).secret(user_id)
        return found is not None and found[1]

    # --- tickets ---

    def ticket(
        self, user: User, password_hash: str, purpose: Purpose, device: str, now: datetime
    ) -> str:
        """A signed note that the password step for ``user`` passed just now."""
        body = {
            "u": user.id,
            "p": purpose,
            "d": device,
            "e": int(now.timestamp()) + TICKET_S,
            "h": hashlib.sha256(password_hash.encode()).hexdigest()[:16],
        }
        raw = json.dumps(body, separators=(",", ":")).encode()
        return _b64(raw) + "." + _b64(hmac.new(self._key, raw, hashlib.sha256).digest())

    def check_ticket(
        self, ticket: str, password_hash_of: Callable[[int], str | None], now: datetime
    ) -> Ticket:
        """The ticket's content; ``AuthenticationFailed`` if forged, expired or stale."""
        expired = AuthenticationFailed("the sign-in expired; sign in with your password again")
        try:
            raw_text, mac_text = ticket.split(".", 1)
            raw, mac = _unb64(raw_text), _unb64(mac_text)
            body = json.loads(raw)
            user_id, purpose, device = int(body["u"]), str(body["p"]), str(body["d"])
            expires, digest = int(body["e"]), str(body["h"])
        except (ValueError, KeyError, TypeError):
            raise expired from None
        if not hmac.compare_digest(mac, hmac.new(self._key, raw, hashlib.sha256).digest()):
            raise expired
        current = password_hash_of(user_id)
        if now.timestamp() > expires or current is None or purpose not in ("code", "enrol"):
            raise expired
        if not hmac.compare_digest(digest, hashlib.sha256(current.encode()).hexdigest()[:16]):
            raise expired  # the password changed since
        return Ticket(user_id, "code" if purpose == "code" else "enrol", device)

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
            _audit(uow, user, "off", "on")
            uow.commit()
        self._throttle.succeed(*keys)
        return codes

    def new_recovery_codes(self, user: User, code: str) -> list[str]:
        """Replace the recovery codes (a current TOTP code asked first)."""
        self.verify(user, code)
        with self._uow_factory() as uow:
            codes = self._new_codes(uow, user.id)
            uow.commit()
        return codes

    def turn_off(self, user: User, code: str) -> None:
        """Remove the authenticator (refused where the role must use it)."""
        if self.enforced and user.role in MFA_ROLES:
            raise InvalidInput(f"two-step sign-in is required for the {user.role.value} role")
        self.verify(user, code)
        with self._uow_factory() as uow:
            uow.bind(self._store).remove(user.id)
            _audit(uow, user, "on", "off")
            uow.commit()

    def _new_codes(self, uow: UnitOfWork, user_id: int) -> list[str]:
        codes = [
            "".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)
        ]
        uow.bind(self._store).replace_recovery_codes(
            user_id, [hash_password(code) for code in codes], uow.now()
        )
        return [f"{code[:5]}-{code[5:]}" for code in codes]
