"""One's own account: change one's password (page and API), for every role.

The current password is asked again (a session left open must not be enough), the form
and the API carry the session's CSRF token like every write, and the change is audited
by the service. Other sessions of the user stay valid.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from marrowscope.domain.errors import AuthenticationFailed, InvalidInput, TooManyAttempts
from marrowscope.web.client_address import client_address
from marrowscope.web.deps import ALL_ROLES, Ctx, SignedIn, require
from marrowscope.web.pages import render

__all__ = ["router"]

router = APIRouter(tags=["account"])

Anyone = Annotated[SignedIn, Depends(require(*ALL_ROLES))]


class PasswordChange(BaseModel):
    """The current password and the new one."""

    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


@router.get("/account/password", include_in_schema=False)
def password_page(request: Request, me: Anyone) -> Response:
    """The form to change one's password."""
    return render(request, "account_password.html", me)


@router.post("/account/password", include_in_schema=False)
def change_password_form(
    request: Request,
    ctx: Ctx,
    me: Anyone,
    current_password: Annotated[str, Form(max_length=256)],
    new_password: Annotated[str, Form(max_length=256)],
    new_password_again: Annotated[str, Form(max_length=256)],
) -> Response:
    """Change the password; the form comes back with the reason when it is refused."""
    try:
        if new_password != new_password_again:
            raise InvalidInput("password: the two new passwords differ")
        ctx.auth.change_password(
            me.session,
            current_password,
            new_password,
            client_address(request, ctx.settings.trusted_proxy_set),
        )
    except (InvalidInput, AuthenticationFailed, TooManyAttempts) as error:
        status = {AuthenticationFailed: 401, TooManyAttempts: 429}.get(type(error), 422)
        return render(request, "account_password.html", me, status_code=status, error=str(error))
    return render(request, "account_password.html", me, changed=True)


@router.post("/api/me/password")
def change_password_api(
    request: Request, ctx: Ctx, me: Anyone, body: PasswordChange
) -> dict[str, str]:
    """Change one's own password (``X-CSRF-Token`` as on every write)."""
    ctx.auth.change_password(
        me.session,
        body.current_password,
        body.new_password,
        client_address(request, ctx.settings.trusted_proxy_set),
    )
    return {"status": "changed"}
