"""The address a request came from, as the sign-in rate limit must see it.

The peer of the connection is the client, unless the peer is one of the configured
reverse proxies (``MARROWSCOPE_TRUSTED_PROXIES``): then the client is the right-most
address of ``X-Forwarded-For`` that is not itself a trusted proxy, since every proxy
appends the address it received from and only the part written by our own proxies can
be believed (MDN, "X-Forwarded-For: Selecting an IP address"). uvicorn's own handling
trusts the header from any loopback peer, so ``marrowscope serve`` turns it off and the
app decides here.
"""

from __future__ import annotations

from fastapi import Request

__all__ = ["client_address"]


def client_address(request: Request, trusted: frozenset[str]) -> str:
    """The client's address; ``X-Forwarded-For`` is read only from a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed(hops):
        if hop and hop not in trusted:
            return hop[:64]
    return peer
