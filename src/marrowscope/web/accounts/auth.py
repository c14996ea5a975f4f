"""Sign-in and sign-out, and the front door that sends each role to its own work.

The sign-in form is protected against login CSRF with a double-submit token: a random
value in a cookie that the form must repeat.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from marrowscope.domain.errors import AuthenticationFailed, TooManyAttempts
from marrowscope.services.accounts import AuthService, SecondFactorRequired
from marrowscope.web.accounts.device import known_device, remember_device
from marrowscope.web.accounts.two_step import agent_of, second_step
from marrowscope.web.client_address import client_address
from marrowscope.web.deps import (
    ALL_ROLES,
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    Ctx,
    SignedIn,
    require,
    session_of,
)
from marrowscope.web.pages import home_of, redirect, render

__all__ = ["router"]

router = APIRouter(tags=["sign-in"])


def _safe_next(target: str | None) -> str | None:
    # Only local paths: an open redirect would hand a phishing page our sign-in.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/", include_in_schema=False)
def front_door(request: Request, ctx: Ctx) -> Response:
    """Signed in: one's own work list; otherwise the sign-in page."""
    session = session_of(request, ctx)
    if session is None:
        return redirect("/login")
    return redirect(home_of(session.user))


@router.get("/login", include_in_schema=False)
def login_page(request: Request, ctx: Ctx, next: str | None = None) -> Response:
    """The sign-in form."""
    session = session_of(request, ctx)
    if session is not None:
        return redirect(_safe_next(next) or home_of(session.user))
    # a fresh token at every visit: one planted in the browser by someone else (a shared
    # ward computer, a cookie set from a sibling host) never outlives the next sign-in page
    pre = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, login_csrf=pre, next=_safe_next(next) or "")
    _set_cookie(response, ctx, PRE_SESSION_COOKIE, pre)
    return response


def _set_cookie(response: Response, ctx: Ctx, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
        path="/",
    )


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    ctx: Ctx,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the credentials, start a session, go to the page asked for."""
    pre = request.cookies.get(PRE_SESSION_COOKIE)
    if not pre or not AuthService.csrf_matches(pre, csrf_token):
        response = render(
            request,
            "login.html",
            None,
            status_code=403,
            login_csrf=pre or "",
            next=_safe_next(next) or "",
            error="the sign-in form expired; please try again",
        )
        return response
    client = client_address(request, ctx.settings.trusted_proxy_set)
    try:
        device = known_device(request, ctx, username)
        session = ctx.auth.sign_in(username, password, client, device, agent_of(request))
    except SecondFactorRequired as needed:
        return second_step(ctx, needed, _safe_next(next) or "")
    except (AuthenticationFailed, TooManyAttempts) as error:
        status = 429 if isinstance(error, TooManyAttempts) else 401
        return render(
            request,
            "login.html",
            None,
            status_code=status,
            login_csrf=pre,
            next=_safe_next(next) or "",
            error=str(error),
            username=username,
        )
    target = _safe_next(next) or home_of(session.user)
    signed_in: Response = RedirectResponse(target, status_code=303)
    if session.notices:  # e.g. "your account was paused": shown once, before the work
        signed_in = render(
            request, "account_notices.html", None, notices=session.notices, next=target
        )
    token = ctx.cookies.dumps(session.token, salt="session")
    _set_cookie(signed_in, ctx, SESSION_COOKIE, token)
    remember_device(signed_in, request, ctx, session)
    return signed_in


@router.post("/logout", include_in_schema=False)
def logout(ctx: Ctx, me: Annotated[SignedIn, Depends(require(*ALL_ROLES))]) -> Response:
    """End the session on the server and forget the cookie."""
    ctx.auth.sign_out(me.session.token)
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
