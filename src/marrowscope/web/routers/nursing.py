"""Nurse and proceduralist: the pre-procedure checklist with live safety findings and
consent, the procedure record with vital signs, specimens and their printable labels,
and the aftercare sheet.

The live findings run the same domain rules as the saved assessment (``domain.safety``)
on the form as it is being filled in, without saving anything.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from marrowscope.domain.aftercare import SYMPTOMS
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway import CaseRecord, RecordKind
from marrowscope.domain.procedure import Complication, ProcedureRecord, Side, Site
from marrowscope.domain.roles import Role
from marrowscope.domain.safety import (
    ConsentBy,
    Plan,
    Pregnancy,
    SafetyFinding,
    Sedation,
    assess,
    known_drugs,
)
from marrowscope.domain.specimen import SpecimenKind, TestType
from marrowscope.domain.vitals import SIGNS, make_vital
from marrowscope.services import labels, laboratory, pathway
from marrowscope.services import pathway_codec as codec
from marrowscope.services.patients import get_case, get_patient, list_cases
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.forms import as_datetime, as_float, as_int, local_input
from marrowscope.web.pages import redirect, render

__all__ = ["WARD", "findings_payload", "plan_and_fields", "router"]

router = APIRouter(prefix="/nursing", tags=["nursing"])

WARD = (Role.NURSE, Role.PROCEDURALIST)
Ward = Annotated[SignedIn, Depends(require(*WARD))]
LabelReader = Annotated[SignedIn, Depends(require(*WARD, Role.LAB_SCIENTIST))]

_MEDICATION_ROWS = 3
_VITAL_ROWS = 6


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def plan_and_fields(form: FormData) -> tuple[Plan, dict[str, Any]]:
    """The plan and the assessment fields (as ``record_assessment`` takes them) of a form."""
    planned = as_datetime("planned_at", _text(form, "planned_at")) or datetime.now(UTC)
    try:
        sedation = Sedation(_text(form, "sedation") or "local")
        pregnancy = Pregnancy(_text(form, "pregnancy") or "not_applicable")
        consent = ConsentBy(_text(form, "consent_by") or "none")
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    plan = Plan(
        planned_at=planned,
        sedation=sedation,
        local_anaesthetic=_text(form, "local_anaesthetic") or "lidocaine",
        antiseptic=_text(form, "antiseptic") or "chlorhexidine",
        latex_free=_text(form, "latex_free") == "yes",
    )
    medications = []
    for n in range(_MEDICATION_ROWS):
        drug = _text(form, f"drug_{n}")
        if drug:
            last = as_datetime(f"last_dose_{n}", _text(form, f"last_dose_{n}"))
            medications.append({"drug": drug, "last_dose_at": last.isoformat() if last else None})
    driver = _text(form, "driver_home")

    def iso(name: str) -> str | None:
        value = as_datetime(name, _text(form, name))
        return value.isoformat() if value else None

    fields: dict[str, Any] = {
        "assessed_at": datetime.now(UTC).isoformat(),
        "allergies": [a.strip() for a in _text(form, "allergies").split(",") if a.strip()],
        "pregnancy": pregnancy.value,
        "bleeding_disorder": _text(form, "bleeding_disorder"),
        "platelets_per_nl": as_float("platelets_per_nl", _text(form, "platelets_per_nl")),
        "platelets_at": iso("platelets_at"),
        "inr": as_float("inr", _text(form, "inr")),
        "inr_at": iso("inr_at"),
        "creatinine_clearance_ml_min": as_float(
            "creatinine_clearance_ml_min", _text(form, "creatinine_clearance_ml_min")
        ),
        "medications": medications,
        "other_medications": [
            m.strip() for m in _text(form, "other_medications").split(",") if m.strip()
        ],
        "last_solids_at": iso("last_solids_at"),
        "last_clear_fluids_at": iso("last_clear_fluids_at"),
        "driver_home": {"yes": True, "no": False}.get(driver),
        "consent_by": consent.value,
        "consent_signed_by": _text(form, "consent_signed_by"),
        "notes": _text(form, "notes"),
    }
    return plan, fields


def findings_payload(findings: list[SafetyFinding]) -> list[dict[str, str]]:
    """Findings as JSON for the live checklist."""
    return [
        {"rule": f.rule, "severity": f.severity.value, "message": f.message, "source": f.source}
        for f in findings
    ]


def preview_findings(ctx: Ctx, me: SignedIn, case_id: int, form: FormData) -> list[SafetyFinding]:
    """The safety findings the form would give, without saving it."""
    plan, fields = plan_and_fields(form)
    with ctx.uow() as uow:
        case = get_case(uow, me.actor, case_id)
        patient = get_patient(uow, me.actor, case.patient_id)
    fields["age_years"] = patient.age_on(plan.planned_at.date())
    fields["sex"] = patient.sex.value
    try:
        assessment = codec.assessment_from(fields)
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"assessment: {error}") from error
    return assess(assessment, plan)


def _record(ctx: Ctx, me: SignedIn, case_id: int) -> CaseRecord:
    with ctx.uow() as uow:
        return pathway.load_case_record(uow, me.actor, case_id)


@router.get("")
def nursing_home(request: Request, ctx: Ctx, me: Ward) -> Response:
    """Cases on the procedure list."""
    with ctx.uow() as uow:
        rows = [(c, get_patient(uow, me.actor, c.patient_id)) for c in list_cases(uow, me.actor)]
    return render(
        request, "area_cases.html", me, title="Procedures", rows=rows, link="/nursing/cases/"
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, ctx: Ctx, me: Ward, case_id: int) -> Response:
    """Checklist, procedure record, specimens and aftercare of one case."""
    record = _record(ctx, me, case_id)
    assessment = record.latest(RecordKind.ASSESSMENT)
    procedure = record.latest(RecordKind.PROCEDURE)
    now = datetime.now(UTC)
    return render(
        request,
        "nursing_case.html",
        me,
        record=record,
        assessment=assessment,
        procedure=procedure,
        aftercare=record.latest(RecordKind.AFTERCARE),
        drugs=sorted(known_drugs()),
        medication_rows=range(_MEDICATION_ROWS),
        vital_rows=range(_VITAL_ROWS),
        signs=SIGNS,
        sedations=list(Sedation),
        pregnancies=list(Pregnancy),
        consents=list(ConsentBy),
        sites=list(Site),
        sides=list(Side),
        complications=list(Complication),
        kinds=list(SpecimenKind),
        test_types=list(TestType),
        symptoms=SYMPTOMS,
        now=local_input(now),
        soon=local_input(now + timedelta(hours=1)),
    )


@router.post("/cases/{case_id}/assessment")
async def save_assessment(request: Request, ctx: Ctx, me: Ward, case_id: int) -> Response:
    """Save the checklist and consent; the findings are kept with it."""
    form = await request.form()
    plan, fields = plan_and_fields(form)
    with ctx.uow() as uow:
        pathway.record_assessment(uow, me.actor, case_id, plan=plan, assessment=fields)
    return redirect(f"/nursing/cases/{case_id}#assessment")


def _procedure_from(form: FormData, operator: str) -> ProcedureRecord:
    def when(name: str, required: bool = False) -> datetime | None:
        return as_datetime(name, _text(form, name), required=required)

    vitals = []
    for n in range(_VITAL_ROWS):
        sign = _text(form, f"vital_sign_{n}")
        value = as_float(f"vital_value_{n}", _text(form, f"vital_value_{n}"))
        if sign and value is not None:
            at = when(f"vital_at_{n}") or _required(when("started_at", True))
            vitals.append(make_vital(at, sign, value))
    try:
        complications = tuple(Complication(str(c)) for c in form.getlist("complications"))
        return ProcedureRecord(
            operator=_text(form, "operator") or operator,
            assistant=_text(form, "assistant"),
            site=Site(_text(form, "site")),
            side=Side(_text(form, "side")),
            sedation=Sedation(_text(form, "sedation") or "local"),
            time_out_at=_required(when("time_out_at", True)),
            started_at=_required(when("started_at", True)),
            ended_at=_required(when("ended_at", True)),
            aspirate_at=when("aspirate_at"),
            dry_tap=_text(form, "dry_tap") == "yes",
            biopsy_at=when("biopsy_at"),
            core_length_mm=as_float("core_length_mm", _text(form, "core_length_mm")),
            vitals=tuple(vitals),
            complications=complications,
            complication_notes=_text(form, "complication_notes"),
            observation_minutes=as_int("observation_minutes", _text(form, "observation_minutes"))
            or 0,
            notes=_text(form, "notes"),
        )
    except ValueError as error:
        raise InvalidInput(f"procedure: {error}") from None


def _required(value: datetime | None) -> datetime:
    if value is None:  # as_datetime(required=True) already refused an empty field
        raise InvalidInput("a required time is missing")
    return value


@router.post("/cases/{case_id}/procedure")
async def save_procedure(request: Request, ctx: Ctx, me: Ward, case_id: int) -> Response:
    """Record the procedure with its vital signs."""
    form = await request.form()
    procedure = _procedure_from(form, me.user.username)
    with ctx.uow() as uow:
        pathway.record_procedure(
            uow,
            me.actor,
            case_id,
            procedure,
            stop_override_reason=_text(form, "stop_override_reason"),
        )
    return redirect(f"/nursing/cases/{case_id}#procedure")


@router.post("/cases/{case_id}/specimens")
async def collect(request: Request, ctx: Ctx, me: Ward, case_id: int) -> Response:
    """Register a collected specimen with the tests it goes to."""
    form = await request.form()
    with ctx.uow() as uow:
        laboratory.collect_specimen(
            uow,
            me.actor,
            case_id,
            kind=_text(form, "kind"),
            tests=[str(t) for t in form.getlist("tests")],
            collected_at=as_datetime("collected_at", _text(form, "collected_at")),
            notes=_text(form, "notes"),
        )
    return redirect(f"/nursing/cases/{case_id}/labels")


@router.get("/cases/{case_id}/labels")
def labels_page(request: Request, ctx: Ctx, me: LabelReader, case_id: int) -> Response:
    """The case's specimen labels, ready to print."""
    record = _record(ctx, me, case_id)
    return render(request, "labels.html", me, record=record)


@router.get("/specimens/{specimen_id}/label.svg")
def label_svg(ctx: Ctx, me: LabelReader, specimen_id: int) -> Response:
    """One specimen's label (60 x 30 mm SVG with a Code 128 barcode)."""
    with ctx.uow() as uow:
        label = laboratory.specimen_label(uow, me.actor, specimen_id)
    return Response(labels.label_svg(label), media_type="image/svg+xml")


@router.post("/cases/{case_id}/aftercare")
def give_aftercare(ctx: Ctx, me: Ward, case_id: int) -> Response:
    """Issue the aftercare instructions (from the procedure's sedation and drugs)."""
    with ctx.uow() as uow:
        pathway.issue_aftercare(uow, me.actor, case_id)
    return redirect(f"/nursing/cases/{case_id}#aftercare")


@router.post("/cases/{case_id}/check-in")
async def check_in(request: Request, ctx: Ctx, me: Ward, case_id: int) -> Response:
    """A follow-up call: symptoms and temperature; worrying ones escalate."""
    form = await request.form()
    with ctx.uow() as uow:
        pathway.record_check_in(
            uow,
            me.actor,
            case_id,
            symptoms=[str(s) for s in form.getlist("symptoms")],
            temperature_c=as_float("temperature_c", _text(form, "temperature_c")),
            notes=_text(form, "notes"),
        )
    return redirect(f"/nursing/cases/{case_id}#aftercare")
