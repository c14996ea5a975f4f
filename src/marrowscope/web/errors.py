"""One place that turns errors into answers: a plain page for people, JSON for the API.

Services raise the ``MarrowscopeError`` tree; nothing below ``web`` knows HTTP. The
mapping is by type, most specific first (``PermissionDenied`` is a ``NotAllowed``).
"""

from __future__ import annotations

import logging
import traceback
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from marrowscope.domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    MarrowscopeError,
    NotAllowed,
    NotFound,
    OutOfScope,
    PermissionDenied,
    TooManyAttempts,
)
from marrowscope.web.audit_trail import record_refusal
from marrowscope.web.deps import CsrfFailed, NotSignedIn, get_ctx, session_of

__all__ = ["install_error_handlers", "status_of", "unexpected_error", "wants_json"]

_log = logging.getLogger("marrowscope.web")

_STATUS: tuple[tuple[type[MarrowscopeError], int, str], ...] = (
    (NotFound, 404, "Not found"),
    (PermissionDenied, 403, "Not allowed for your role"),
    (TooManyAttempts, 429, "Too many attempts"),
    (AuthenticationFailed, 401, "Sign-in failed"),
    (InvalidInput, 422, "Please check what was entered"),
    (Conflict, 409, "Conflict"),
    (NotAllowed, 409, "Not possible now"),
)


def status_of(error: MarrowscopeError) -> tuple[int, str]:
    """HTTP status and page title for an error."""
    for kind, status, title in _STATUS:
        if isinstance(error, kind):
            return status, title
    return 400, "Request refused"


def wants_json(request: Request) -> bool:
    """API paths and clients that ask for JSON get JSON; people get pages."""
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _page(request: Request, status: int, title: str, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": title, "detail": message}, status_code=status)
    ctx = get_ctx(request)
    session = session_of(request, ctx)
    return ctx.templates.TemplateResponse(
        request,
        "error.html",
        {"title": title, "message": message, "status": status, "me": session},
        status_code=status,
    )


def _out_of_scope(request: Request, error: OutOfScope) -> Response:
    """403 with the way in: the break-glass form for people, its endpoint for the API."""
    message = str(error)
    if wants_json(request):
        endpoint = f"/api/cases/{error.case_id}/break-glass"
        detail = f'{message}: POST {endpoint} with {{"reason": "..."}}'
        return JSONResponse(
            {"error": "Outside your wards", "detail": detail, "break_glass": endpoint},
            status_code=403,
        )
    ctx = get_ctx(request)
    session = session_of(request, ctx)
    back = request.url.path if request.method in ("GET", "HEAD") else "/"
    return ctx.templates.TemplateResponse(
        request,
        "break_glass.html",
        {
            "title": "Outside your wards", "message": message, "status": 403, "me": session,
            "csrf": session.csrf_token if session else "", "case_id": error.case_id,
            "next": back, "reason": "", "reason_error": "",
            "minutes": ctx.settings.break_glass_minutes,
        },
        status_code=403,
    )  # fmt: skip


def unexpected_error(request: Request, error: Exception) -> Response:
    """A 500 answer for a bug: a plain message, no traceback, one log line without data.

    The log names the exception type and where it was raised, not its message: a
    database error's message carries the statement's parameters, which may be a
    patient's name or MRN.
    """
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    route = getattr(request.scope.get("route"), "path", "?")
    _log.error("unhandled %s at %s on %s %s", type(error).__name__, where, request.method, route)
    message = "something went wrong on the server; it has been logged"
    try:
        return _page(request, 500, "Server error", message)
    except Exception:  # the page itself needs the database that may have failed
        return PlainTextResponse("Server error: " + message, status_code=500)


def _audit_refusal(request: Request, reason: str) -> None:
    ctx = get_ctx(request)
    route = getattr(request.scope.get("route"), "path", request.url.path)
    session = session_of(request, ctx)
    record_refusal(
        ctx.accounts.uow_factory, session, request.method, route, request.path_params, reason
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(MarrowscopeError)
    async def _domain(request: Request, error: MarrowscopeError) -> Response:
        if isinstance(error, PermissionDenied):  # every refusal is in the audit trail
            await run_in_threadpool(_audit_refusal, request, str(error))
        if isinstance(error, OutOfScope):
            return _out_of_scope(request, error)
        status, title = status_of(error)
        return _page(request, status, title, str(error))

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, _error: NotSignedIn) -> Response:
        if wants_json(request):
            return JSONResponse({"error": "Not signed in", "detail": "sign in first"}, 401)
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _error: CsrfFailed) -> Response:
        return _page(
            request, 403, "Form expired", "the form was missing its security token; reload it"
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        parts = []
        for item in error.errors():
            where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query"))
            parts.append(f"{where}: {item.get('msg', 'invalid')}")
        return _page(request, 422, "Please check what was entered", "; ".join(parts))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(error.status_code, "Error")
        return _page(request, error.status_code, title, str(error.detail))
