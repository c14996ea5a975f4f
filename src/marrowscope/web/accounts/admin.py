"""Accounts: an admin lists people and creates accounts with one role each.

A refused new account comes back on the same page with every refusal beside its field
and the form as typed (the password excepted: it is never written into a page).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from marrowscope.domain.errors import InvalidInput, MarrowscopeError, NotFound
from marrowscope.domain.roles import Role
from marrowscope.services.accounts import create_user, list_users
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.errors import status_of
from marrowscope.web.form_state import Refusals, field_errors, is_form_refusal, typed_values
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/admin", tags=["admin"])

Admin = Annotated[SignedIn, Depends(require(Role.ADMIN))]

_FIELDS = frozenset({"username", "display_name", "password", "role", "patient_id"})
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


def _read(form: FormData) -> tuple[str, str, str, Role, int | None]:
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
    typed_id = _text(form, "patient_id").strip()
    if typed_id and not typed_id.isdigit():  # once silently ignored; now said
        refusals.add("patient_id", f"{typed_id!r} is not a patient record number")
    refusals.raise_any()
    if role is None:  # refused above; says so to the type checker
        raise InvalidInput("role: choose one")
    patient_id = int(typed_id) if typed_id else None
    return (
        _text(form, "username"),
        _text(form, "password"),
        _text(form, "display_name"),
        role,
        patient_id,
    )


@router.post("/users")
async def new_account(request: Request, ctx: Ctx, me: Admin) -> Response:
    """Create an account; a refusal comes back beside its field, the form kept."""
    form = await request.form()
    try:
        username, password, display_name, role, patient_id = _read(form)
        with ctx.uow() as uow:
            create_user(
                uow, ctx.stores, me.actor, username=username, password=password, role=role,
                display_name=display_name, patient_id=patient_id,
            )  # fmt: skip
    except MarrowscopeError as error:
        # "patient_id: there is no patient 9" is a NotFound, yet a value the admin can fix
        if not is_form_refusal(error) and not isinstance(error, NotFound):
            raise
        typed = typed_values(form)
        typed.pop("password", None)
        status = 422 if isinstance(error, NotFound) else status_of(error)[0]
        errors = field_errors(error, _FIELDS)
        return _page(request, ctx, me, status, account_form=typed, account_errors=errors)
    return redirect("/admin")
