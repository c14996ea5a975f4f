"""One's own two-step sign-in page (``/account/security``) and an admin's reset of
another person's (``/admin/users/{user_id}/two-step``).

Staff only: patients and interface accounts sign in otherwise. Every form carries the
session's CSRF token and asks for the password again (``services.accounts``
re-authenticates); a refusal comes back on the same page with its reason. The key is
shown once, in the answer to the form that made it, never on a later visit: whoever finds
the session open must not be able to read a half-finished setup off the screen. Recovery
codes are shown once too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from marrowscope.domain.errors import (
    AuthenticationFailed,
    InvalidInput,
    MarrowscopeError,
    PermissionDenied,
    TooManyAttempts,
)
from marrowscope.domain.roles import Role
from marrowscope.services.accounts import (
    confirm_two_step,
    get_user,
    replace_recovery_codes,
    reset_two_step,
    start_two_step,
    turn_off_two_step,
    two_step_status,
)
from marrowscope.web.accounts.two_step import qr_data_uri
from marrowscope.web.deps import STAFF, Ctx, SignedIn, require
from marrowscope.web.pages import render

__all__ = ["router"]

router = APIRouter(tags=["account"])

Staff = Annotated[SignedIn, Depends(require(*STAFF))]
Admin = Annotated[SignedIn, Depends(require(Role.ADMIN))]
Password = Annotated[str, Form(max_length=256)]
Code = Annotated[str, Form(max_length=32)]

_REFUSALS = (InvalidInput, AuthenticationFailed, TooManyAttempts, PermissionDenied)


def _status_of(error: MarrowscopeError) -> int:
    kinds = {AuthenticationFailed: 401, TooManyAttempts: 429, PermissionDenied: 403}
    return next((s for kind, s in kinds.items() if isinstance(error, kind)), 422)


def _page(
    request: Request, ctx: Ctx, me: SignedIn, status_code: int = 200, **data: Any
) -> Response:
    status = two_step_status(ctx.auth, me.user)
    return render(
        request, "account_security.html", me, status_code=status_code, status=status, **data
    )


def _codes(request: Request, me: SignedIn, codes: list[str]) -> Response:
    return render(request, "recovery_codes.html", me, codes=codes, next="/account/security")


@router.get("/account/security", include_in_schema=False)
def security_page(request: Request, ctx: Ctx, me: Staff) -> Response:
    """Two-step sign-in: on or off, required or not, recovery codes left, the forms."""
    return _page(request, ctx, me)


@router.post("/account/security/enrol", include_in_schema=False)
def enrol(request: Request, ctx: Ctx, me: Staff, password: Password) -> Response:
    """A new key (text, otpauth link, QR code), shown once, and the form for its first code."""
    try:
        enrolment = start_two_step(ctx.auth, me.user, password)
    except _REFUSALS as error:
        return _page(request, ctx, me, _status_of(error), error=str(error))
    qr = qr_data_uri(enrolment.uri)
    return _page(request, ctx, me, secret=enrolment.secret, uri=enrolment.uri, qr=qr)


@router.post("/account/security/confirm", include_in_schema=False)
def confirm(request: Request, ctx: Ctx, me: Staff, code: Code) -> Response:
    """Turn it on with the app's first code: the recovery codes, shown once."""
    try:
        codes = confirm_two_step(ctx.auth, me.user, code)
    except _REFUSALS as error:
        return _page(request, ctx, me, _status_of(error), error=str(error))
    return _codes(request, me, codes)


@router.post("/account/security/off", include_in_schema=False)
def turn_off(request: Request, ctx: Ctx, me: Staff, password: Password, code: Code) -> Response:
    """Turn it off: the password and a current code."""
    try:
        turn_off_two_step(ctx.auth, me.user, password, code)
    except _REFUSALS as error:
        return _page(request, ctx, me, _status_of(error), error=str(error))
    return _page(request, ctx, me, done="Two-step sign-in is off.")


@router.post("/account/security/recovery-codes", include_in_schema=False)
def new_codes(request: Request, ctx: Ctx, me: Staff, password: Password) -> Response:
    """New recovery codes (the old ones stop working), shown once."""
    try:
        codes = replace_recovery_codes(ctx.auth, me.user, password)
    except _REFUSALS as error:
        return _page(request, ctx, me, _status_of(error), error=str(error))
    return _codes(request, me, codes)


def _admin_page(
    request: Request, ctx: Ctx, me: SignedIn, user_id: int, status_code: int = 200, **data: Any
) -> Response:
    with ctx.uow() as uow:
        person = get_user(uow, ctx.stores, user_id)
    status = two_step_status(ctx.auth, person)
    return render(
        request, "admin_two_step.html", me, status_code=status_code, person=person,
        status=status, **data,
    )  # fmt: skip


@router.get("/admin/users/{user_id}/two-step", include_in_schema=False)
def admin_page(request: Request, ctx: Ctx, me: Admin, user_id: int) -> Response:
    """A person's two-step sign-in and the form that resets it."""
    return _admin_page(request, ctx, me, user_id)


@router.post("/admin/users/{user_id}/two-step/reset", include_in_schema=False)
def admin_reset(
    request: Request, ctx: Ctx, me: Admin, user_id: int, password: Password
) -> Response:
    """Reset it (the admin's password; audited); their sessions end with it."""
    try:
        reset_two_step(ctx.auth, me.user, password, user_id)
    except _REFUSALS as error:
        return _admin_page(request, ctx, me, user_id, _status_of(error), error=str(error))
    done = "Reset: their authenticator and recovery codes are gone and their sessions ended."
    return _admin_page(request, ctx, me, user_id, done=done)
