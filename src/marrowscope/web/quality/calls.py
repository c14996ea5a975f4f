"""The critical-value call log of a case: a page with the case's critical values, its
calls and the form to log one, and the JSON twin under ``/api/cases/{id}/critical-calls``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from marrowscope.domain.errors import InvalidInput
from marrowscope.services import quality
from marrowscope.services.cases import codec
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(tags=["quality"])

Caller = Annotated[SignedIn, Depends(require(*sorted(quality.CALLERS)))]


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
    with ctx.uow() as uow:
        findings, calls = quality.case_calls(uow, me.actor, case_id)
        now = uow.now()
    return render(
        request, "quality_calls.html", me, case_id=case_id, findings=findings, calls=calls,
        now=now.strftime("%Y-%m-%dT%H:%M"),
    )  # fmt: skip


@router.post("/quality/cases/{case_id}/calls")
def log_call(
    ctx: Ctx,
    me: Caller,
    case_id: int,
    recipient: Annotated[str, Form(max_length=200)],
    called_at: Annotated[str, Form(max_length=40)],
    read_back: Annotated[str, Form(max_length=5)] = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Log a call (the signed-in person is the caller); back to the case's log."""
    with ctx.uow() as uow:
        quality.log_critical_call(
            uow, me.actor, case_id, recipient=recipient, called_at=_when(called_at),
            read_back=read_back == "yes", notes=notes,
        )  # fmt: skip
    return redirect(f"/quality/cases/{case_id}/calls")


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
