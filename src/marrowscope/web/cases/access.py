"""Break-glass and units: a member of staff opens another ward's case with a reason; an
admin reviews the grants and says which wards and laboratory each account works in (the
page ``/admin/users/{id}/units`` and its JSON twin).

The refusal that leads here is answered by ``web.errors`` (the form for people, the
endpoint's name for the API); the rules are ``services.cases.access``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from marrowscope.domain.cases.access import REASON_MAX_CHARS
from marrowscope.domain.errors import InvalidInput, MarrowscopeError, NotAllowed
from marrowscope.domain.roles import Role
from marrowscope.services.accounts import get_user
from marrowscope.services.cases import break_glass_log, grant_break_glass, set_units, units_of
from marrowscope.web.deps import STAFF, Ctx, SignedIn, require
from marrowscope.web.errors import status_of
from marrowscope.web.form_state import field_errors, is_form_refusal
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(tags=["access"])

Staff = Annotated[SignedIn, Depends(require(*STAFF))]
Admin = Annotated[SignedIn, Depends(require(Role.ADMIN))]


class BreakGlassIn(BaseModel):
    """Why this case must be opened now."""

    reason: str = Field(max_length=REASON_MAX_CHARS * 2)


class UnitsIn(BaseModel):
    """The wards and laboratories an account works in (replacing what it had)."""

    units: list[str] = Field(max_length=50)


def _safe_next(value: object) -> str:
    """Back to the refused page: a path of this site only, never another host."""
    text = value if isinstance(value, str) else ""
    if not text.startswith("/") or text.startswith("//") or "\\" in text or len(text) > 300:
        return "/"
    return text


@router.post("/cases/{case_id}/break-glass")
async def break_glass_form(request: Request, ctx: Ctx, me: Staff, case_id: int) -> Response:
    """Grant emergency access from the refusal page, then go back to the page refused."""
    form = await request.form()
    reason = str(form.get("reason") or "")
    back = _safe_next(form.get("next"))
    try:
        with ctx.uow() as uow:
            grant_break_glass(uow, me.actor, case_id, reason)
    except NotAllowed:  # already theirs: nothing to grant, let them in
        return redirect(back)
    except InvalidInput as error:
        return ctx.templates.TemplateResponse(
            request,
            "break_glass.html",
            {
                "title": "Outside your wards", "me": me.session, "csrf": me.csrf,
                "message": "Say why you need this case.", "status": 422, "case_id": case_id,
                "next": back, "reason": reason[:REASON_MAX_CHARS], "reason_error": str(error),
                "minutes": ctx.settings.break_glass_minutes,
            },
            status_code=422,
        )  # fmt: skip
    return redirect(back)


@router.post("/api/cases/{case_id}/break-glass", status_code=201)
def break_glass_api(ctx: Ctx, me: Staff, case_id: int, body: BreakGlassIn) -> dict[str, Any]:
    """Open one case outside your wards for a while; the reason is reviewed."""
    with ctx.uow() as uow:
        grant = grant_break_glass(uow, me.actor, case_id, body.reason)
    return {
        "grant_id": grant.id,
        "case_id": grant.case_id,
        "granted_at": grant.granted_at.isoformat(),
        "expires_at": grant.expires_at.isoformat(),
    }


@router.get("/api/break-glass")
def break_glass_review(ctx: Ctx, me: Admin) -> list[dict[str, Any]]:
    """Every grant, newest first, with its reason: the privacy officer's review."""
    with ctx.uow() as uow:
        grants = break_glass_log(uow, me.actor)
    return [
        {
            "grant_id": g.id, "username": g.username, "role": g.role.value,
            "case_id": g.case_id, "reason": g.reason,
            "granted_at": g.granted_at.isoformat(), "expires_at": g.expires_at.isoformat(),
        }
        for g in grants
    ]  # fmt: skip


@router.get("/api/users/{user_id}/units")
def account_units(ctx: Ctx, me: Admin, user_id: int) -> dict[str, Any]:
    """The wards and laboratories of an account."""
    with ctx.uow() as uow:
        return {"user_id": user_id, "units": sorted(units_of(uow, user_id))}


@router.put("/api/users/{user_id}/units")
def change_units(ctx: Ctx, me: Admin, user_id: int, body: UnitsIn) -> dict[str, Any]:
    """Replace the wards and laboratories an account works in (audited)."""
    with ctx.uow() as uow:
        units = set_units(uow, me.actor, user_id, body.units)
    return {"user_id": user_id, "units": sorted(units)}


_UNITS_MAX_TYPED = 2000  # 50 units of 40 characters and their commas


def _units_page(
    request: Request, ctx: Ctx, me: SignedIn, user_id: int, status_code: int = 200, **data: Any
) -> Response:
    with ctx.uow() as uow:
        person = get_user(uow, ctx.stores, user_id)
        units = sorted(units_of(uow, user_id))
    form = data.pop("form", {"units": ", ".join(units)})
    return render(
        request, "admin_units.html", me, status_code=status_code, person=person, units=units,
        form=form, errors=data.pop("errors", {}), lab_unit=ctx.settings.lab_unit.upper(), **data,
    )  # fmt: skip


@router.get("/admin/users/{user_id}/units", include_in_schema=False)
def units_page(request: Request, ctx: Ctx, me: Admin, user_id: int) -> Response:
    """The wards and laboratories of an account, and the form that replaces them."""
    return _units_page(request, ctx, me, user_id, saved=request.query_params.get("saved") == "1")


@router.post("/admin/users/{user_id}/units", include_in_schema=False)
async def units_form(request: Request, ctx: Ctx, me: Admin, user_id: int) -> Response:
    """Replace them (audited); a refused unit comes back beside the field, as typed."""
    typed = str((await request.form()).get("units") or "")
    try:
        if len(typed) > _UNITS_MAX_TYPED:
            raise InvalidInput(f"units: at most {_UNITS_MAX_TYPED} characters")
        names = [u for u in typed.split(",") if u.strip()]
        if len(names) > 50:
            raise InvalidInput("units: at most 50")
        with ctx.uow() as uow:
            set_units(uow, me.actor, user_id, names)
    except MarrowscopeError as error:
        if not is_form_refusal(error):
            raise
        return _units_page(
            request, ctx, me, user_id, status_of(error)[0],
            form={"units": typed[:_UNITS_MAX_TYPED]}, errors=field_errors(error, {"units"}),
        )  # fmt: skip
    return redirect(f"/admin/users/{user_id}/units?saved=1")
