"""Writes from another site are refused: the Origin (else Referer) header must name us.

The CSRF token is the first defence of every write; this check is the second (OWASP
Cross-Site Request Forgery Prevention Cheat Sheet, "Verifying Origin With Standard
Headers"), and it also covers the two writes that come before any session: the sign-in
form and ``POST /api/session``. A browser names the page a request came from in
``Origin`` (every cross-site POST) or ``Referer``; the write is let through when that
origin is this server's own host (the ``Host`` the browser addressed), ``public_url``,
or one of ``allowed_origins``. ``Origin: null`` (a sandboxed frame, a privacy redirect)
is refused.

A request that names no origin at all is not from a browser page: scripts and HL7/API
clients send neither header. It passes here and meets the CSRF token check like any
other write: a client holding a session cookie must still send ``X-CSRF-Token``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["OriginCheck", "origin_of"]

_SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_MESSAGE = "cross-site request refused: this form or request did not come from this site"


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased, default ports dropped; None if
    it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


class OriginCheck:
    """ASGI middleware: 403 for a write whose Origin/Referer is not one of ours."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(o for o in (origin_of(a) for a in allowed) if o)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method", "GET") in _SAFE:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        named = headers.get("origin")
        if named is None:
            named = headers.get("referer")
        if named is None or self._ours(named, headers.get("host", ""), scope):
            await self.app(scope, receive, send)
            return
        await self._refuse(scope, headers, send)

    def _ours(self, named: str, host: str, scope: Scope) -> bool:
        origin = origin_of(named)
        if origin is None:  # "null", or not a URL
            return False
        if origin in self.allowed:
            return True
        # the host the browser addressed (either scheme: TLS may end at a proxy)
        own = {origin_of(f"{scheme}://{host}") for scheme in ("http", "https")} if host else set()
        return origin in own

    @staticmethod
    async def _refuse(scope: Scope, headers: Headers, send: Send) -> None:
        path = str(scope.get("path", ""))
        if path.startswith("/api/") or "application/json" in headers.get("accept", ""):
            body = json.dumps({"error": "Cross-site request", "detail": _MESSAGE}).encode()
            kind = b"application/json"
        else:
            body = f"403 Cross-site request: {_MESSAGE}\n".encode()
            kind = b"text/plain; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
