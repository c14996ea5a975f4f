"""Sign-in for API clients and who is signed in: ``POST /api/session``, ``GET /api/me``.

A client signs in once, keeps the session cookie, and sends the CSRF token it was given
in the ``X-CSRF-Token`` header of every request that changes something.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from marrowscope.domain.errors import AuthenticationFailed
from marrowscope.services.accounts import AuthService, SecondFactorRequired
from marrowscope.web.accounts.device import known_device, remember_device
from marrowscope.web.accounts.two_step import agent_of
from marrowscope.web.client_address import client_address
from marrowscope.web.deps import (
    ALL_ROLES,
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    Ctx,
    SignedIn,
    require,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

Anyone = Annotated[SignedIn, Depends(require(*ALL_ROLES))]


class Credentials(BaseModel):
    """Username and password for an API session."""

    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


@router.post("/session")
def api_sign_in(request: Request, ctx: Ctx, body: Credentials) -> Response:
    """Sign in for the API: sets the session cookie and returns the CSRF token.

    Refused when a browser's sign-in cookie is present without its token, so that a
    page on another site cannot sign a visitor in through this endpoint.
    """
    if request.cookies.get(PRE_SESSION_COOKIE) and not AuthService.csrf_matches(
        request.cookies.get(PRE_SESSION_COOKIE, ""), request.headers.get("x-csrf-token")
    ):
        raise AuthenticationFailed("sign in through the sign-in page in a browser")
    client = client_address(request, ctx.settings.trusted_proxy_set)
    device = known_device(request, ctx, body.username)
    try:
        session = ctx.auth.sign_in(body.username, body.password, client, device, agent_of(request))
    except SecondFactorRequired as needed:
        if needed.purpose == "enrol":
            raise AuthenticationFailed(
                "two-step sign-in: set up your authenticator app at /login in a browser first"
            ) from None
        # the code goes with this ticket to POST /api/session/mfa
        return JSONResponse(
            {"error": "Second factor needed", "detail": str(needed), "ticket": needed.ticket},
            status_code=401,
        )
    response = JSONResponse(
        {
            "username": session.user.username,
            "role": session.user.role.value,
            "csrf_token": session.csrf_token,
            "notices": list(session.notices),
        }
    )
    response.set_cookie(
        SESSION_COOKIE,
        ctx.cookies.dumps(session.token, salt="session"),
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
    )
    remember_device(response, request, ctx, session)
    return response


@router.get("/me")
def whoami(me: Anyone) -> dict[str, Any]:
    """The signed-in person, their role and the CSRF token for writes."""
    return {
        "username": me.user.username,
        "display_name": me.user.display_name,
        "role": me.user.role.value,
        "patient_id": me.user.patient_id,
        "csrf_token": me.csrf,
    }
