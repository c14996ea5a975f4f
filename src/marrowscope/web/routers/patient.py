"""The patient's own pages: preparation, aftercare, follow-up check-in, released results.

A patient account is tied to one patient record; any other record answers 403 before
anything is looked up, so the answer does not even reveal whether it exists. Results
appear only once the pathologist has released the report, in plain language.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from marrowscope.domain.aftercare import SYMPTOMS
from marrowscope.domain.errors import NotFound, PermissionDenied
from marrowscope.domain.pathway import RecordKind
from marrowscope.domain.roles import Role
from marrowscope.services import pathway
from marrowscope.services.patient_portal import patient_check_in
from marrowscope.services.patients import get_patient, list_cases
from marrowscope.web import report_bridge
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.forms import as_float
from marrowscope.web.pages import redirect, render
from marrowscope.web.report_settings import releaser_of

__all__ = ["router"]

router = APIRouter(prefix="/patient", tags=["patient"])

Patient = Annotated[SignedIn, Depends(require(Role.PATIENT))]


def _own(me: SignedIn, patient_id: int) -> None:
    if me.user.patient_id != patient_id:
        raise PermissionDenied("you can only open your own pages")


@router.get("/{patient_id}")
def patient_home(request: Request, ctx: Ctx, me: Patient, patient_id: int) -> Response:
    """Everything the patient needs, in plain language."""
    _own(me, patient_id)
    with ctx.uow() as uow:
        patient = get_patient(uow, me.actor, patient_id)
        cases = list(list_cases(uow, me.actor))
        case = cases[0] if cases else None
        sheet = aftercare = summary = report_state = None
        if case is not None:
            try:
                sheet = pathway.preparation_sheet_for(uow, me.actor, case.id)
            except NotFound:
                sheet = None
            record = pathway.load_case_record(uow, me.actor, case.id)
            aftercare = record.latest(RecordKind.AFTERCARE)
            summary = report_bridge.patient_summary(uow, me.actor, case.id)
            report_state = report_bridge.state(uow, me.actor, case.id, releaser_of(ctx.settings))
    return render(
        request,
        "patient_home.html",
        me,
        patient=patient,
        case=case,
        sheet=sheet,
        aftercare=aftercare,
        summary=summary,
        report_state=report_state,
        symptoms=SYMPTOMS,
        checked=request.query_params.get("sent") == "1",
    )


@router.post("/{patient_id}/check-in")
async def check_in(request: Request, ctx: Ctx, me: Patient, patient_id: int) -> Response:
    """The patient's own follow-up check-in; worrying symptoms escalate to the team."""
    _own(me, patient_id)
    form = await request.form()
    temperature = form.get("temperature_c")
    notes = form.get("notes")
    with ctx.uow() as uow:
        cases = list(list_cases(uow, me.actor))
        if not cases:
            raise NotFound("there is no examination to follow up")
        patient_check_in(
            uow,
            me.actor,
            cases[0].id,
            symptoms=[str(s) for s in form.getlist("symptoms")],
            temperature_c=as_float(
                "temperature_c", temperature if isinstance(temperature, str) else None
            ),
            notes=notes if isinstance(notes, str) else "",
        )
    return redirect(f"/patient/{patient_id}?sent=1")
