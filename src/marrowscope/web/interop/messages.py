"""The message log for staff: the error queue, one message raw, correct and replay, resend.

Open to lab scientists and administrators (``services.interop.QUEUE_ROLES``): the
people who answer for what the laboratory receives and for the interfaces. A
correction is typed into the raw message and filed as a new message that points at the
refused one; the refused one stays as it arrived (the service audits both).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from marrowscope.services import interop
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/interop/messages", tags=["interop"])

Analyst = Annotated[SignedIn, Depends(require(*interop.QUEUE_ROLES))]
_MAX_CHARS = 1_000_000


@router.get("")
def queue(request: Request, ctx: Ctx, me: Analyst) -> Response:
    """The error queue (refused in, failed out, never filed) and the latest messages."""
    with ctx.uow() as uow:
        errors = interop.error_queue(uow, me.actor)
        latest = interop.message_log(uow, me.actor, limit=50)
    return render(
        request,
        "interop_messages.html",
        me,
        errors=errors,
        latest=latest,
        done=request.query_params.get("done"),
    )


@router.get("/{exchange_id}")
def message(request: Request, ctx: Ctx, me: Analyst, exchange_id: int) -> Response:
    """One message as it arrived or left, its answer, and the correction form."""
    with ctx.uow() as uow:
        entry = interop.get_exchange(uow, me.actor, exchange_id)
    return render(request, "interop_message.html", me, entry=entry)


@router.post("/{exchange_id}/replay")
def replay(
    ctx: Ctx,
    me: Analyst,
    exchange_id: int,
    text: Annotated[str, Form(max_length=_MAX_CHARS)] = "",
) -> Response:
    """File the message again, with the text as corrected here (audited)."""
    received = interop.replay(
        ctx.accounts.uow_factory,
        me.actor,
        exchange_id,
        text or None,
        authority=ctx.settings.hl7_assigning_authority,
        timezone=ctx.settings.lab_timezone or ctx.settings.timezone,
        provider_id_type=ctx.settings.hl7_provider_id_type,
    )
    return redirect(f"/interop/messages/{received.exchange_id or exchange_id}")


@router.post("/{exchange_id}/resend")
def resend(ctx: Ctx, me: Analyst, exchange_id: int) -> Response:
    """Queue an outgoing message again for ``marrowscope hl7 send`` (audited)."""
    with ctx.uow() as uow:
        interop.resend(uow, me.actor, exchange_id)
    return redirect(f"/interop/messages?done={exchange_id}")
