"""Accounts: an admin lists people and creates accounts with one role each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Role
from marrowscope.services.accounts import create_user, list_users
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/admin", tags=["admin"])

Admin = Annotated[SignedIn, Depends(require(Role.ADMIN))]


@router.get("")
def accounts(request: Request, ctx: Ctx, me: Admin) -> Response:
    """Every account and the form for a new one."""
    with ctx.uow() as uow:
        users = list_users(uow, ctx.stores, me.actor)
    return render(request, "admin.html", me, users=users, roles=list(Role))


@router.post("/users")
def new_account(
    ctx: Ctx,
    me: Admin,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    role: Annotated[str, Form()],
    display_name: Annotated[str, Form(max_length=200)] = "",
    patient_id: Annotated[str, Form()] = "",
) -> Response:
    """Create an account."""
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInput(f"role: one of {', '.join(r.value for r in Role)}") from None
    pid = int(patient_id) if patient_id.strip().isdigit() else None
    with ctx.uow() as uow:
        create_user(
            uow,
            ctx.stores,
            me.actor,
            username=username,
            password=password,
            role=chosen,
            display_name=display_name,
            patient_id=pid,
        )
    return redirect("/admin")
