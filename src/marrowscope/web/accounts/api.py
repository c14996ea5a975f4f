"""JSON API of accounts: an admin creates an account; anyone ends their session.

The twins of the admin page's form and of the sign-out button. Creating an account is
the admin's alone and audited by ``services.accounts``; ending a session forgets it on the
server as the page does, and needs the CSRF header like every write, so that another
site cannot sign a visitor out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from marrowscope.domain.roles import Role
from marrowscope.services.accounts import create_user
from marrowscope.web.deps import ALL_ROLES, SESSION_COOKIE, Ctx, SignedIn, require

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["accounts"])

Admin = Annotated[SignedIn, Depends(require(Role.ADMIN))]
Anyone = Annotated[SignedIn, Depends(require(*ALL_ROLES))]


class AccountIn(BaseModel):
    """A new account with one role (a patient account names its patient record)."""

    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    role: Role
    display_name: str = Field(default="", max_length=200)
    patient_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class AccountOut(BaseModel):
    """The account created (never its password)."""

    id: int
    username: str
    role: str
    display_name: str
    patient_id: int | None


@router.post("/users", status_code=201)
def new_account(ctx: Ctx, me: Admin, body: AccountIn) -> AccountOut:
    """Create an account (409 if the username is taken; a common password is refused)."""
    with ctx.uow() as uow:
        user = create_user(
            uow, ctx.stores, me.actor, username=body.username, password=body.password,
            role=body.role, display_name=body.display_name, patient_id=body.patient_id,
        )  # fmt: skip
    return AccountOut(
        id=user.id,
        username=user.username,
        role=user.role.value,
        display_name=user.display_name,
        patient_id=user.patient_id,
    )


@router.delete("/session")
def sign_out(ctx: Ctx, me: Anyone) -> JSONResponse:
    """End the session on the server and forget the cookie."""
    ctx.auth.sign_out(me.session.token)
    response = JSONResponse({"status": "signed out"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
