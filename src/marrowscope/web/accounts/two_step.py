"""The code step of two-step sign-in in the browser: enter a code, or set the app up.

After the right password, an account with two-step sign-in gets no session but a
*ticket* (``services.accounts.SecondFactor``) in a short-lived cookie, and is sent to
``/login/mfa``; an account that must have it and has not set it up is sent to
``/login/mfa/setup``, which shows the secret (text, otpauth URI and QR code) and asks
for a first code. Both forms carry the sign-in page's double-submit token, as the
password form does.
"""

from __future__ import annotations

import re
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from marrowscope.domain.errors import AuthenticationFailed, InvalidInput, TooManyAttempts
from marrowscope.services.accounts import AuthService, SecondFactorRequired, Session
from marrowscope.web.accounts.device import remember_device
from marrowscope.web.client_address import client_address
from marrowscope.web.deps import PRE_SESSION_COOKIE, SESSION_COOKIE, Ctx, WebContext
from marrowscope.web.pages import home_of, redirect, render

__all__ = ["TICKET_COOKIE", "agent_of", "qr_data_uri", "router", "second_step", "start_session"]

router = APIRouter(tags=["sign-in"])

TICKET_COOKIE = "ms_mfa"
_TICKET_AGE_S = 300
_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def agent_of(request: Request) -> str:
    """The browser's User-Agent, printable and short (for one's list of sessions)."""
    return _PRINTABLE.sub("", request.headers.get("user-agent", ""))[:200]


def qr_data_uri(uri: str) -> str:
    """An SVG QR code of ``uri`` as a data URI (the page's CSP allows ``data:`` images).

    A whole SVG document with its namespace: the inline form (no ``xmlns``) is no image
    to a browser, which showed a broken picture where the code should be.
    """
    return str(segno.make(uri, error="m").svg_data_uri(scale=4))


def _secure(ctx: WebContext) -> bool:
    return ctx.settings.secure_cookies  # MARROWSCOPE_COOKIE_SECURE, like every cookie


def second_step(ctx: WebContext, needed: SecondFactorRequired, target: str) -> Response:
    """The answer to a right password when a code must follow: the ticket, then the form."""
    step = "/login/mfa/setup" if needed.purpose == "enrol" else "/login/mfa"
    response = redirect(step + (f"?next={target}" if target else ""))
    response.set_cookie(
        TICKET_COOKIE,
        needed.ticket,
        max_age=_TICKET_AGE_S,
        httponly=True,
        samesite="strict",
        secure=_secure(ctx),
        path="/login",
    )
    return response


def start_session(
    response: Response, request: Request, ctx: WebContext, session: Session
) -> Response:
    """Set the session cookie (and the device cookie) on ``response``; drop the ticket."""
    response.set_cookie(
        SESSION_COOKIE,
        ctx.cookies.dumps(session.token, salt="session"),
        httponly=True,
        samesite="lax",
        secure=_secure(ctx),
        path="/",
    )
    response.delete_cookie(TICKET_COOKIE, path="/login")
    remember_device(response, request, ctx, session)
    return response


def _safe(target: str) -> str:
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else ""


def _form_ok(request: Request, csrf_token: str) -> bool:
    pre = request.cookies.get(PRE_SESSION_COOKIE)
    return bool(pre) and AuthService.csrf_matches(pre or "", csrf_token)


def _page(request: Request, template: str, status: int = 200, **data: object) -> Response:
    pre = request.cookies.get(PRE_SESSION_COOKIE, "")
    return render(request, template, None, status_code=status, login_csrf=pre, **data)


@router.get("/login/mfa", include_in_schema=False)
def code_page(request: Request, next: str = "") -> Response:
    """The form for the code from the authenticator app (or a recovery code)."""
    if not request.cookies.get(TICKET_COOKIE):
        return redirect("/login")
    return _page(request, "login_code.html", next=_safe(next))


@router.post("/login/mfa", include_in_schema=False)
def code_step(
    request: Request,
    ctx: Ctx,
    code: Annotated[str, Form(max_length=32)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the code; a session on success, the form again with the reason otherwise."""
    if not _form_ok(request, csrf_token):
        return _page(request, "login_code.html", 403, error="the form expired; sign in again")
    try:
        session = ctx.auth.finish_sign_in(
            request.cookies.get(TICKET_COOKIE, ""),
            code,
            client_address(request, ctx.settings.trusted_proxy_set),
            agent_of(request),
        )
    except (AuthenticationFailed, TooManyAttempts, InvalidInput) as error:
        status = 429 if isinstance(error, TooManyAttempts) else 401
        return _page(request, "login_code.html", status, error=str(error), next=_safe(next))
    target = _safe(next) or home_of(session.user)
    return start_session(RedirectResponse(target, status_code=303), request, ctx, session)


@router.get("/login/mfa/setup", include_in_schema=False)
def setup_page(request: Request, ctx: Ctx, next: str = "") -> Response:
    """The secret to put in an authenticator app, and the form for its first code."""
    return _setup(request, ctx, next)


def _setup(
    request: Request, ctx: WebContext, next: str, status: int = 200, error: str = ""
) -> Response:
    try:
        user, enrolment = ctx.auth.enrolment_of(request.cookies.get(TICKET_COOKIE, ""))
    except (AuthenticationFailed, InvalidInput):
        return redirect("/login")
    return _page(
        request,
        "login_setup.html",
        status,
        username=user.username,
        secret=enrolment.secret,
        uri=enrolment.uri,
        qr=qr_data_uri(enrolment.uri),
        next=_safe(next),
        error=error,
    )


@router.post("/login/mfa/setup", include_in_schema=False)
def setup_step(
    request: Request,
    ctx: Ctx,
    code: Annotated[str, Form(max_length=32)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Confirm the app with its first code: signed in, and the recovery codes shown once."""
    if not _form_ok(request, csrf_token):
        return _page(request, "login_code.html", 403, error="the form expired; sign in again")
    try:
        session, codes = ctx.auth.finish_enrolment(
            request.cookies.get(TICKET_COOKIE, ""),
            code,
            client_address(request, ctx.settings.trusted_proxy_set),
            agent_of(request),
        )
    except (AuthenticationFailed, TooManyAttempts, InvalidInput) as error:
        status = 429 if isinstance(error, TooManyAttempts) else 401
        return _setup(request, ctx, next, status, str(error))
    target = _safe(next) or home_of(session.user)
    page = render(request, "recovery_codes.html", None, codes=codes, next=target)
    return start_session(page, request, ctx, session)
