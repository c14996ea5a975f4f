"""JSON API of accounts: an admin creates an account and records a clinician's provider
identifier; anyone ends their session.

The twins of the admin page's form and of the sign-out button. Creating an account is
the admin's alone and audited by ``services.accounts``; ending a session forgets it on the
server as the page does, and needs the CSRF header like every write, so that another
site cannot sign a visitor out.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Role
from marrowscope.services.accounts import create_user, set_provider_id
from marrowscope.services.cases import patient_for_portal
from marrowscope.web.deps import ALL_ROLES, SESSION_COOKIE, Ctx, SignedIn, require

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["accounts"])

Admin = Annotated[SignedIn, Depends(require(Role.ADMIN))]
Anyone = Annotated[SignedIn, Depends(require(*ALL_ROLES))]


class AccountIn(BaseModel):
    """A new account with one role; a patient account names its patient by MRN and date of
    birth (both must match one patient), never by an internal record number."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    role: Role
    display_name: str = Field(default="", max_length=200)
    patient_mrn: str | None = Field(default=None, max_length=32)
    patient_birth_date: date | None = None


class AccountOut(BaseModel):
    """The account created (never its password)."""

    id: int
    username: str
    role: str
    display_name: str
    patient_id: int | None


@router.post("/users", status_code=201)
def new_account(ctx: Ctx, me: Admin, body: AccountIn) -> AccountOut:
    """Create an account (409 if the username is taken; a common password is refused; 422
    when a patient account's MRN and date of birth do not match one patient)."""
    named = body.patient_mrn is not None or body.patient_birth_date is not None
    if body.role is not Role.PATIENT and named:
        raise InvalidInput("patient_mrn: only a patient account is linked to a patient")
    if body.role is Role.PATIENT and (body.patient_mrn is None or body.patient_birth_date is None):
        raise InvalidInput(
            "patient_mrn: a patient account needs the patient's MRN and date of birth"
        )
    with ctx.uow() as uow:
        patient_id = None
        if body.patient_mrn is not None and body.patient_birth_date is not None:
            patient_id = patient_for_portal(
                uow, me.actor, body.patient_mrn, body.patient_birth_date
            )
        user = create_user(
            uow, ctx.stores, me.actor, username=body.username, password=body.password,
            role=body.role, display_name=body.display_name, patient_id=patient_id,
        )  # fmt: skip
    return AccountOut(
        id=user.id,
        username=user.username,
        role=user.role.value,
        display_name=user.display_name,
        patient_id=user.patient_id,
    )


class ProviderIdIn(BaseModel):
    """A clinician's provider identifier (an NPI or the site's type); '' and '' clear it."""

    identifier: str = Field(default="", max_length=40)
    id_type: str = Field(default="", max_length=10)


@router.put("/users/{user_id}/provider-id")
def provider_identifier(
    ctx: Ctx, me: Admin, user_id: int, body: ProviderIdIn
) -> dict[str, str | int]:
    """Set the identifier results name the account's holder by (audited; an NPI is
    checked by its check digit)."""
    with ctx.uow() as uow:
        user = set_provider_id(
            uow, ctx.stores, me.actor, user_id, identifier=body.identifier,
            id_type=body.id_type, default_type=ctx.settings.hl7_provider_id_type,
        )  # fmt: skip
    return {"id": user.id, "provider_id": user.provider_id, "id_type": user.provider_id_type}


@router.delete("/session")
def sign_out(ctx: Ctx, me: Anyone) -> JSONResponse:
    """End the session on the server and forget the cookie."""
    ctx.auth.sign_out(me.session.token)
    response = JSONResponse({"status": "signed out"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
