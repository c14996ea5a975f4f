"""The ticket between the password step and the code step of a two-step sign-in.

Between the password and the code there is no session: the password step hands out a
*ticket*, an HMAC-signed note (user, purpose, expiry, a digest of the password hash)
that only the code step accepts, for ``TICKET_S`` seconds, and that a password change
voids. Kept apart from ``second_factor`` so that the codes and the enrolment read alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from marrowscope.domain.errors import AuthenticationFailed

__all__ = ["TICKET_S", "Purpose", "Ticket", "check_ticket", "make_ticket", "ticket_key"]

TICKET_S = 300  # from the password to the code

Purpose = Literal["code", "enrol"]


@dataclass(frozen=True, slots=True)
class Ticket:
    """A checked ticket: whose, for what, and the device id the browser sent."""

    user_id: int
    purpose: Purpose
    device: str


def ticket_key(secret_key: str) -> bytes:
    """The HMAC key of tickets, derived from the server's secret for this use only."""
    return hashlib.sha256(b"marrowscope-mfa-ticket\0" + secret_key.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_ticket(
    key: bytes, user_id: int, password_hash: str, purpose: Purpose, device: str, now: datetime
) -> str:
    """A signed note that the password step for ``user_id`` passed at ``now``."""
    body = {
        "u": user_id,
        "p": purpose,
        "d": device,
        "e": int(now.timestamp()) + TICKET_S,
        "h": hashlib.sha256(password_hash.encode()).hexdigest()[:16],
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    return _b64(raw) + "." + _b64(hmac.new(key, raw, hashlib.sha256).digest())


def check_ticket(
    key: bytes, ticket: str, password_hash_of: Callable[[int], str | None], now: datetime
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
    if not hmac.compare_digest(mac, hmac.new(key, raw, hashlib.sha256).digest()):
        raise expired
    current = password_hash_of(user_id)
    if now.timestamp() > expires or current is None or purpose not in ("code", "enrol"):
        raise expired
    if not hmac.compare_digest(digest, hashlib.sha256(current.encode()).hexdigest()[:16]):
        raise expired  # the password changed since
    return Ticket(user_id, "code" if purpose == "code" else "enrol", device)
