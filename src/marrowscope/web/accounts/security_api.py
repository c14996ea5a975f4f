"""JSON twins of the two-step sign-in pages: one's own (``/api/me/two-step``) and an
admin's reset of another person's (``/api/users/{user_id}/two-step/reset``).

The same use cases as the pages, the same re-authentication (the password in the body,
with a current code to turn it off), the CSRF header like every write. The key comes
back once, in the answer that made it; recovery codes likewise.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from marrowscope.domain.roles import Role
from marrowscope.services.accounts import (
    confirm_two_step,
    replace_recovery_codes,
    reset_two_step,
    start_two_step,
    turn_off_two_step,
    two_step_status,
)
from marrowscope.web.deps import STAFF, Ctx, SignedIn, require

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["account"])

Staff = Annotated[SignedIn, Depends(require(*STAFF))]
Admin = Annotated[SignedIn, Depends(require(Role.ADMIN))]


class PasswordIn(BaseModel):
    """The signed-in person's current password, asked again."""

    password: str = Field(max_length=256)


class CodeIn(BaseModel):
    """A code from the authenticator app."""

    code: str = Field(max_length=32)


class TurnOffIn(BaseModel):
    """The current password and a current code (or a recovery code), both."""

    password: str = Field(max_length=256)
    code: str = Field(max_length=32)


class StatusOut(BaseModel):
    """On, being set up, required for the role, recovery codes still unused."""

    on: bool
    pending: bool
    required: bool
    recovery_codes_left: int


class EnrolmentOut(BaseModel):
    """The key to put in an authenticator app, as text and as an otpauth URI (shown once)."""

    secret: str
    uri: str


class RecoveryCodesOut(BaseModel):
    """Recovery codes, each good for one sign-in; shown once."""

    recovery_codes: list[str]


@router.get("/me/two-step")
def my_two_step(ctx: Ctx, me: Staff) -> StatusOut:
    """Whether one's two-step sign-in is on (never the key)."""
    status = two_step_status(ctx.auth, me.user)
    return StatusOut(
        on=status.on,
        pending=status.pending,
        required=status.required,
        recovery_codes_left=status.recovery_codes_left,
    )


@router.post("/me/two-step")
def enrol(ctx: Ctx, me: Staff, body: PasswordIn) -> EnrolmentOut:
    """Start setting it up (password again): a new key, confirmed by ``/confirm``."""
    enrolment = start_two_step(ctx.auth, me.user, body.password)
    return EnrolmentOut(secret=enrolment.secret, uri=enrolment.uri)


@router.post("/me/two-step/confirm")
def confirm(ctx: Ctx, me: Staff, body: CodeIn) -> RecoveryCodesOut:
    """Turn it on with the app's first code; the recovery codes."""
    return RecoveryCodesOut(recovery_codes=confirm_two_step(ctx.auth, me.user, body.code))


@router.post("/me/two-step/off")
def turn_off(ctx: Ctx, me: Staff, body: TurnOffIn) -> dict[str, str]:
    """Turn it off (password and code; refused where the role must use it)."""
    turn_off_two_step(ctx.auth, me.user, body.password, body.code)
    return {"status": "off"}


@router.post("/me/two-step/recovery-codes")
def new_codes(ctx: Ctx, me: Staff, body: PasswordIn) -> RecoveryCodesOut:
    """New recovery codes (password again); the old ones stop working."""
    return RecoveryCodesOut(recovery_codes=replace_recovery_codes(ctx.auth, me.user, body.password))


@router.post("/users/{user_id}/two-step/reset")
def admin_reset(ctx: Ctx, me: Admin, user_id: int, body: PasswordIn) -> dict[str, bool]:
    """Reset another person's (the admin's own password; audited; their sessions end)."""
    return {"had_two_step": reset_two_step(ctx.auth, me.user, body.password, user_id)}
