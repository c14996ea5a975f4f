"""The patient's own pages: preparation, aftercare, follow-up check-in, released results.

A patient account is tied to one patient record; any other record answers 403 before
anything is looked up, so the answer does not even reveal whether it exists. Results
appear only once the report has been released, in plain language; a patient examined
more than once sees each released report, oldest first, and prepares for (and checks in
after) the newest examination.

Issue 18: times in the lab's zone, preparation only until the procedure is done, the
care team's number wherever the text says to call, a check-in form only once there is a
procedure to follow up, and a refused check-in comes back with what was typed.

After sending, the page the patient lands on (``?sent=1``) shows the advice the triage
stored with the check-in, at once and prominently: red "call now / go to the emergency
department" for urgent, amber "call today" for same day, a neutral thank-you otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from marrowscope.domain.cases.model import CaseStatus
from marrowscope.domain.errors import InvalidInput, NotFound, PermissionDenied
from marrowscope.domain.pathway.aftercare import SYMPTOM_LABELS
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Role
from marrowscope.services import pathway
from marrowscope.services.cases import get_patient, list_cases, load_case_record
from marrowscope.services.pathway import patient_check_in
from marrowscope.web.alert_banner import local_words
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.forms import as_float
from marrowscope.web.pages import redirect, render
from marrowscope.web.reporting import bridge as report_bridge
from marrowscope.web.reporting.settings import releaser_of

__all__ = ["router"]

router = APIRouter(prefix="/patient", tags=["patient"])

Patient = Annotated[SignedIn, Depends(require(Role.PATIENT))]


def _own(me: SignedIn, patient_id: int) -> None:
    if me.user.patient_id != patient_id:
        raise PermissionDenied("you can only open your own pages")


def _field_of(error: InvalidInput) -> tuple[str, str]:
    field, _, message = str(error).partition(": ")
    return (field, message) if message else ("", str(error))


def _page(
    request: Request,
    ctx: Ctx,
    me: SignedIn,
    patient_id: int,
    *,
    status_code: int = 200,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    zone = ZoneInfo(ctx.settings.timezone)
    phone = ctx.settings.care_team_phone
    checked = request.query_params.get("sent") == "1"
    advice = None
    with ctx.uow() as uow:
        patient = get_patient(uow, me.actor, patient_id)
        cases = list(list_cases(uow, me.actor))  # oldest first
        case = cases[-1] if cases else None  # preparation and check-in: the newest
        # every released report, examination by examination in time order
        released = [
            (c, text)
            for c in cases
            if (text := report_bridge.patient_summary(uow, me.actor, c.id)) is not None
        ]
        sheet = aftercare = summary = report_state = None
        procedure_at: datetime | None = None
        if case is not None:
            record = load_case_record(uow, me.actor, case.id)
            procedure = record.latest(RecordKind.PROCEDURE)
            if procedure is not None:
                procedure_at = datetime.fromisoformat(procedure.payload["procedure"]["started_at"])
            else:  # preparation is for before the examination only
                try:
                    sheet = pathway.preparation_sheet_for(
                        uow, me.actor, case.id, zone=zone, phone=phone
                    )
                except NotFound:
                    sheet = None
            aftercare = record.latest(RecordKind.AFTERCARE)
            if checked:  # what to do now, worked out when the check-in was stored
                advice = pathway.latest_check_in_advice(uow, me.actor, case.id, phone)
            summary = report_bridge.patient_summary(uow, me.actor, case.id)
            report_state = report_bridge.state(uow, me.actor, case.id, releaser_of(ctx.settings))
    return render(
        request,
        "patient_home.html",
        me,
        status_code=status_code,
        patient=patient,
        case=case,
        sheet=sheet,
        procedure_on=local_words(procedure_at, ctx.settings.timezone),
        can_check_in=case is not None
        and procedure_at is not None
        and case.status is CaseStatus.OPEN,
        aftercare=aftercare,
        summary=summary,
        released=released,
        report_state=report_state,
        symptoms=list(SYMPTOM_LABELS.items()),
        phone=phone,
        checked=checked,
        advice=advice,
        form=form or {},
        errors=errors or {},
    )


@router.get("/{patient_id}")
def patient_home(request: Request, ctx: Ctx, me: Patient, patient_id: int) -> Response:
    """Everything the patient needs, in plain language."""
    _own(me, patient_id)
    return _page(request, ctx, me, patient_id)


@router.post("/{patient_id}/check-in")
async def check_in(request: Request, ctx: Ctx, me: Patient, patient_id: int) -> Response:
    """The patient's own follow-up check-in; worrying symptoms escalate to the team.

    A value the service refuses (a temperature that cannot be right) brings the page back
    with the message by the field and every box still ticked.
    """
    _own(me, patient_id)
    form = await request.form()
    temperature = form.get("temperature_c")
    notes = form.get("notes")
    typed: dict[str, Any] = {
        "symptoms": [str(s) for s in form.getlist("symptoms")],
        "temperature_c": temperature if isinstance(temperature, str) else "",
        "notes": notes if isinstance(notes, str) else "",
    }
    try:
        with ctx.uow() as uow:
            cases = list(list_cases(uow, me.actor))
            if not cases:
                raise NotFound("there is no examination to follow up")
            patient_check_in(
                uow,
                me.actor,
                cases[-1].id,
                symptoms=typed["symptoms"],
                temperature_c=as_float("temperature_c", typed["temperature_c"]),
                notes=typed["notes"],
            )
    except InvalidInput as error:
        field, message = _field_of(error)
        if field == "temperature_c":
            message = (
                "please write the number only, for example 37.5"
                if "not a number" in message
                else f"{typed['temperature_c']} °C cannot be right; please check it"
            )
        errors = {field if field in typed else "form": message}
        return _page(request, ctx, me, patient_id, status_code=422, form=typed, errors=errors)
    return redirect(f"/patient/{patient_id}?sent=1")
