"""The alerts inbox: escalated check-ins waiting for the care team, and acknowledging one.

Each alert shows the patient's own notes and number, whether it was escalated, and its
delivery log (every notification, its attempts, last error and next retry).

Open to nurses, proceduralists and clinicians (``services.alerts.ALERT_ROLES``), who can
phone the patient back; every other role gets 403, as from the service itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from marrowscope.domain.alerts.model import NOTE_MAX_CHARS
from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Role
from marrowscope.services import alerts
from marrowscope.web.alert_banner import alert_rows
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.errors import status_of
from marrowscope.web.form_state import field_errors, is_form_refusal
from marrowscope.web.pages import redirect, render

__all__ = ["case_link", "router"]

router = APIRouter(prefix="/alerts", tags=["alerts"])

CareTeam = Annotated[SignedIn, Depends(require(*alerts.ALERT_ROLES))]


def case_link(role: Role, case_id: int) -> str:
    """Where this role works on a case (the clinician's page, or the ward's)."""
    area = "clinician" if role is Role.CLINICIAN else "nursing"
    return f"/{area}/cases/{case_id}"


def _inbox(
    request: Request, ctx: Ctx, me: SignedIn, state: str = "open", status_code: int = 200,
    typed: dict[int, str] | None = None, errors: dict[int, str] | None = None,
) -> Response:  # fmt: skip
    everything = state == "all"
    with ctx.uow() as uow:
        found = alerts.list_alerts(uow, me.actor, include_acknowledged=everything)
        rows = alert_rows(ctx, uow, found)
        log = alerts.delivery_log(uow, me.actor, [a.id for a in found])
    return render(
        request,
        "alerts.html",
        me,
        status_code=status_code,
        rows=rows,
        everything=everything,
        links={r.alert.case_id: case_link(me.user.role, r.alert.case_id) for r in rows},
        note_max=NOTE_MAX_CHARS,
        deliveries=log,
        done=request.query_params.get("done"),
        typed_notes=typed or {},
        note_errors=errors or {},
    )


@router.get("")
def inbox(request: Request, ctx: Ctx, me: CareTeam, state: str = "open") -> Response:
    """Open alerts, urgent first and longest waiting first; ``?state=all`` adds the done."""
    return _inbox(request, ctx, me, state)


@router.post("/{alert_id}/acknowledge")
async def acknowledge(request: Request, ctx: Ctx, me: CareTeam, alert_id: int) -> Response:
    """Acknowledge with a note of what was done (audited); back to the inbox. A refused
    note comes back beside its alert, as typed."""
    form = await request.form()
    value = form.get("note")
    note = value if isinstance(value, str) else ""
    try:
        if len(note) > NOTE_MAX_CHARS:
            raise InvalidInput(f"note: at most {NOTE_MAX_CHARS} characters")
        with ctx.uow() as uow:
            alerts.acknowledge_alert(uow, me.actor, alert_id, note)
    except MarrowscopeError as error:
        if not is_form_refusal(error):
            raise
        message = field_errors(error, {"note"})
        return _inbox(
            request, ctx, me, status_code=status_of(error)[0], typed={alert_id: note},
            errors={alert_id: message.get("note") or message.get("form", "")},
        )  # fmt: skip
    return redirect(f"/alerts?done={alert_id}")
