"""The device cookie: which accounts have signed in successfully from this browser.

After a right password the browser keeps a signed cookie naming the account and a random
device id (the server signs it with ``MARROWSCOPE_SECRET_KEY``; it cannot be forged or
moved to another account). A sign-in for that account from that browser is then limited
by the device's own backoff only: the address limit (a ward's computers share one
address behind a NAT) and a guesser pausing the account from elsewhere cannot keep the
holder out with their right password. Several people may use one ward computer, so the
cookie holds the last few accounts.
"""

from __future__ import annotations

from itsdangerous import BadSignature
from starlette.requests import Request
from starlette.responses import Response

from marrowscope.services.accounts import Session
from marrowscope.web.deps import WebContext

__all__ = ["DEVICE_COOKIE", "known_device", "remember_device"]

DEVICE_COOKIE = "marrowscope_device"
_KEPT = 8  # accounts remembered per browser
_MAX_AGE_S = 180 * 24 * 3600
_SALT = "device"


def _entries(request: Request, ctx: WebContext) -> dict[str, str]:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return {}
    try:
        loaded = ctx.cookies.loads(raw, salt=_SALT)
    except BadSignature:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(k): str(v) for k, v in loaded.items() if isinstance(v, str)}


def known_device(request: Request, ctx: WebContext, username: str) -> str:
    """The device id this browser holds for ``username``, or "" (unknown device)."""
    return _entries(request, ctx).get(username.strip().lower(), "")


def remember_device(
    response: Response, request: Request, ctx: WebContext, session: Session
) -> None:
    """Keep (or refresh) this account's device id in the cookie after a sign-in."""
    entries = _entries(request, ctx)
    entries.pop(session.user.username, None)
    entries[session.user.username] = session.device
    kept = dict(list(entries.items())[-_KEPT:])
    response.set_cookie(
        DEVICE_COOKIE,
        ctx.cookies.dumps(kept, salt=_SALT),
        max_age=_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
        path="/",
    )
