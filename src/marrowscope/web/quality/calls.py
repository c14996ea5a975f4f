"""The critical-value call log of a case: a page with the case's critical values, its
calls and the form to log one, and the JSON twin under ``/api/cases/{id}/critical-calls``.

The same form is also a panel on the clinician's and the pathologist's case pages and on
the release confirmation page (``web.reporting.call_panel``); it posts here with the page it came
from, and a refusal is shown on that page (its own renderer, called with the typed values
and the message by field) rather than on an error page that would lose what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Role
from marrowscope.services import quality
from marrowscope.services.cases import codec
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.form_state import field_errors, is_form_refusal
from marrowscope.web.pages import redirect, render
from marrowscope.web.pathway.clinician import _case_view as clinician_page
from marrowscope.web.reporting.call_panel import call_panel
from marrowscope.web.reporting.pathologist import _case_page as pathologist_page
from marrowscope.web.reporting.release import _confirm_page as release_page

__all__ = ["router"]

router = APIRouter(tags=["quality"])

Caller = Annotated[SignedIn, Depends(require(*sorted(quality.CALLERS)))]
_FIELDS = ("recipient", "called_at", "read_back", "notes")


class CallIn(BaseModel):
    """A call to log: whom you told, when, and whether they read the values back."""

    recipient: str = Field(max_length=200)
    called_at: datetime
    read_back: bool
    notes: str = Field(default="", max_length=2000)


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("called_at: a date and time, e.g. 2026-03-02T08:15") from None


@router.get("/quality/cases/{case_id}/calls")
def calls_page(request: Request, ctx: Ctx, me: Caller, case_id: int) -> Response:
    """The case's critical values, the calls logged, and the form to log one."""
    return _calls_page(request, ctx, me, case_id)


def _calls_page(
    request: Request, ctx: Ctx, me: SignedIn, case_id: int, status_code: int = 200, **extra: Any
) -> Response:
    page = f"/quality/cases/{case_id}/calls"
    with ctx.uow() as uow:
        panel = call_panel(uow, me.actor, case_id, page, extra.get("calls_form"),
                           extra.get("calls_errors"))  # fmt: skip
    return render(
        request, "quality_calls.html", me, status_code=status_code, case_id=case_id,
        calls_panel=panel,
    )  # fmt: skip


def _release_page(
    request: Request, ctx: Ctx, me: SignedIn, case_id: int, status_code: int, **extra: Any
) -> Response:
    return release_page(request, ctx, me, case_id, "", status_code, None, **extra)


def _back_page(me: SignedIn, case_id: int, back: str) -> Callable[..., Response]:
    """The page the form was sent from, where its refusal is shown: one the person's role
    reaches for this case, else the call log's own page."""
    role = me.user.role
    if back == f"/clinician/cases/{case_id}" and role is Role.CLINICIAN:
        return clinician_page
    if back == f"/pathologist/cases/{case_id}" and role is Role.PATHOLOGIST:
        return pathologist_page
    if back == f"/reports/cases/{case_id}/release" and role in (Role.CLINICIAN, Role.PATHOLOGIST):
        return _release_page
    return _calls_page


@router.post("/quality/cases/{case_id}/calls")
async def log_call(request: Request, ctx: Ctx, me: Caller, case_id: int) -> Response:
    """Log a call (the signed-in person is the caller); back to the page it was sent from,
    or that page again with the refusal beside its field and what was typed kept."""
    form = await request.form()
    typed = {k: str(v)[:2000] for k, v in form.items() if k in _FIELDS}
    back = str(form.get("back", ""))[:200]
    try:
        with ctx.uow() as uow:
            quality.log_critical_call(
                uow, me.actor, case_id, recipient=typed.get("recipient", ""),
                called_at=_when(typed.get("called_at", "")),
                read_back=typed.get("read_back") == "yes", notes=typed.get("notes", ""),
            )  # fmt: skip
    except MarrowscopeError as error:
        if not is_form_refusal(error):
            raise
        errors = field_errors(error, _FIELDS)
        page = _back_page(me, case_id, back)
        return page(request, ctx, me, case_id, 422, calls_form=typed, calls_errors=errors)
    page_path = back if _back_page(me, case_id, back) is not _calls_page else ""
    return redirect((page_path or f"/quality/cases/{case_id}/calls") + "#critical-calls")


@router.get("/api/cases/{case_id}/critical-calls")
def calls_json(ctx: Ctx, me: Caller, case_id: int) -> Any:
    """The case's critical values and its calls."""
    with ctx.uow() as uow:
        findings, calls = quality.case_calls(uow, me.actor, case_id)
    return {"critical_values": codec.dump(list(findings)), "calls": codec.dump(calls)}


@router.post("/api/cases/{case_id}/critical-calls", status_code=201)
def log_call_json(ctx: Ctx, me: Caller, case_id: int, body: CallIn) -> Any:
    """Log a call; the signed-in person is the caller."""
    with ctx.uow() as uow:
        call = quality.log_critical_call(
            uow, me.actor, case_id, recipient=body.recipient, called_at=body.called_at,
            read_back=body.read_back, notes=body.notes,
        )  # fmt: skip
    return codec.dump(call)
