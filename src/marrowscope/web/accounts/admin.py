"""Accounts: an admin lists people, creates accounts with one role each and sets a
clinician's provider identifier (the NPI or site type results name them by).

A refused new account comes back on the same page with every refusal beside its field
and the form as typed (the password excepted: it is never written into a page). A
patient's account is linked by the patient's MRN and date of birth, never by an
internal record number (``services.cases.patient_for_portal``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Role
from marrowscope.services.accounts import create_user, get_user, list_users, set_provider_id
from marrowscope.services.cases import patient_for_portal
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.errors import status_of
from marrowscope.web.form_state import Refusals, field_errors, is_form_refusal, typed_values
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/admin", tags=["admin"])

Admin = Annotated[SignedIn, Depends(require(Role.ADMIN))]

_FIELDS = frozenset(
    {"username", "display_name", "password", "role", "patient_mrn", "patient_birth_date"}
)
_MAX_CHARS = {"username": 64, "display_name": 200, "password": 256}


def _page(
    request: Request, ctx: Ctx, me: SignedIn, status_code: int = 200, **form: Any
) -> Response:
    with ctx.uow() as uow:
        users = list_users(uow, ctx.stores, me.actor)
    return render(
        request, "admin.html", me, status_code=status_code, users=users,
        role_options=[("", "— choose —"), *((r.value, r.value) for r in Role)],
        account_form=form.get("account_form", {}), account_errors=form.get("account_errors", {}),
    )  # fmt: skip


@router.get("")
def accounts(request: Request, ctx: Ctx, me: Admin) -> Response:
    """Every account and the form for a new one."""
    return _page(request, ctx, me)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _read(form: FormData) -> tuple[str, str, str, Role, tuple[str, date] | None]:
    """The form's values; what the page itself can tell is wrong, refused all at once."""
    refusals = Refusals()
    for name, most in _MAX_CHARS.items():
        if len(_text(form, name)) > most:
            refusals.add(name, f"at most {most} characters")
    if not _text(form, "username").strip():
        refusals.add("username", "required")
    if not _text(form, "password"):
        refusals.add("password", "required")
    role = None
    try:
        role = Role(_text(form, "role"))
    except ValueError:
        refusals.add("role", f"choose one of {', '.join(r.value for r in Role)}")
    mrn = _text(form, "patient_mrn").strip()
    typed_birth = _text(form, "patient_birth_date").strip()
    birth = None
    if typed_birth:
        try:
            birth = date.fromisoformat(typed_birth)
        except ValueError:
            refusals.add("patient_birth_date", f"{typed_birth!r} is not a date (YYYY-MM-DD)")
    if role is Role.PATIENT and not mrn:
        refusals.add("patient_mrn", "a patient account needs the patient's MRN")
    if role is Role.PATIENT and not typed_birth:
        refusals.add("patient_birth_date", "a patient account needs the patient's date of birth")
    if role is not None and role is not Role.PATIENT and (mrn or typed_birth):
        refusals.add("patient_mrn", "only a patient account is linked to a patient")
    refusals.raise_any()
    if role is None:  # refused above; says so to the type checker
        raise InvalidInput("role: choose one")
    return (
        _text(form, "username"),
        _text(form, "password"),
        _text(form, "display_name"),
        role,
        (mrn, birth) if birth is not None else None,
    )


@router.post("/users")
async def new_account(request: Request, ctx: Ctx, me: Admin) -> Response:
    """Create an account; a refusal comes back beside its field, the form kept."""
    form = await request.form()
    try:
        username, password, display_name, role, identity = _read(form)
        with ctx.uow() as uow:
            patient_id = patient_for_portal(uow, me.actor, *identity) if identity else None
            create_user(
                uow, ctx.stores, me.actor, username=username, password=password, role=role,
                display_name=display_name, patient_id=patient_id,
            )  # fmt: skip
    except MarrowscopeError as error:
        if not is_form_refusal(error):
            raise
        typed = typed_values(form)
        typed.pop("password", None)
        status = status_of(error)[0]
        errors = field_errors(error, _FIELDS)
        return _page(request, ctx, me, status, account_form=typed, account_errors=errors)
    return redirect("/admin")


_PROVIDER_FIELDS = frozenset({"provider_id", "provider_id_type"})


def _provider_page(
    request: Request, ctx: Ctx, me: SignedIn, user_id: int, status_code: int = 200, **form: Any
) -> Response:
    with ctx.uow() as uow:
        person = get_user(uow, ctx.stores, user_id)
    typed = form.get("typed") or {
        "provider_id": person.provider_id,
        "provider_id_type": person.provider_id_type,
    }
    return render(
        request, "admin_provider_id.html", me, status_code=status_code, person=person,
        f=typed, e=form.get("errors", {}), site_type=ctx.settings.hl7_provider_id_type,
    )  # fmt: skip


@router.get("/users/{user_id}/provider-id")
def provider_identifier(request: Request, ctx: Ctx, me: Admin, user_id: int) -> Response:
    """The identifier results name this clinician by (ORC/OBR, FHIR Practitioner)."""
    return _provider_page(request, ctx, me, user_id)


@router.post("/users/{user_id}/provider-id")
async def set_provider_identifier(request: Request, ctx: Ctx, me: Admin, user_id: int) -> Response:
    """Set or clear it (audited; an NPI checked by its check digit); a refusal comes
    back beside its field with what was typed."""
    form = await request.form()
    try:
        with ctx.uow() as uow:
            set_provider_id(
                uow, ctx.stores, me.actor, user_id,
                identifier=_text(form, "provider_id"),
                id_type=_text(form, "provider_id_type"),
                default_type=ctx.settings.hl7_provider_id_type,
            )  # fmt: skip
    except MarrowscopeError as error:
        if not is_form_refusal(error):
            raise
        errors = field_errors(error, _PROVIDER_FIELDS)
        return _provider_page(
            request, ctx, me, user_id, status_of(error)[0],
            typed=typed_values(form), errors=errors,
        )  # fmt: skip
    return redirect("/admin")
