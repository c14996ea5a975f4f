"""JSON API of the clinician's and the ward's pages: register a patient,
order the examination, the pre-procedure checklist, the procedure, aftercare.

Same roles as the pages: the clinician registers and orders; nurse and proceduralist
record the checklist, the procedure and aftercare. The services audit every record and
hold every rule (an order before a checklist, a 'stop' finding overridden only with a
reason...). Times must carry their zone. Specimens are in ``api_lab``; blood counts and
check-ins are in ``cbc_api`` and ``web.alerts.api``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, Field

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway.procedure import is_full_name
from marrowscope.domain.pathway.safety import Plan, Sedation
from marrowscope.domain.roles import Role
from marrowscope.services import pathway
from marrowscope.services.cases import codec, open_case, register_patient
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pathway.nursing import WARD, findings_payload, safety_policy

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["ward"])

Clinician = Annotated[SignedIn, Depends(require(Role.CLINICIAN))]
Ward = Annotated[SignedIn, Depends(require(*WARD))]

_TEXT = Annotated[str, Field(max_length=200)]
_NOTE = Annotated[str, Field(max_length=4000)]


class PatientIn(BaseModel):
    """A new patient; their examination case is opened with them."""

    mrn: str = Field(max_length=32)
    family_name: str = Field(max_length=200)
    given_name: str = Field(max_length=200)
    birth_date: date
    sex: str = Field(max_length=16, description="female | male | other | unknown")
    phone: str = Field(default="", max_length=32, description="optional, for ringing back")


class OrderIn(BaseModel):
    """The marrow examination order: indication codes, clinical details, urgency."""

    indications: list[Annotated[str, Field(max_length=64)]] = Field(max_length=20)
    clinical_details: _NOTE = ""
    urgency: str = Field(default="routine", max_length=16)
    tests: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None,
        max_length=20,
        description="order set items (aspirate_morphology, trephine, flow, karyotype, "
        "fish_panel, molecular_panel, mrd, culture); left out: the indications' local defaults",
    )


class PlanIn(BaseModel):
    """The planned procedure (the checklist's findings depend on it)."""

    planned_at: AwareDatetime | None = Field(default=None, description="default: now")
    sedation: str = Field(default="local", max_length=32)
    sedatives: list[_TEXT] = Field(
        default=[], max_length=10, description="the sedative agents, e.g. ['midazolam']"
    )
    sedative: _TEXT = Field(default="", description="one sedative agent (added to sedatives)")
    # not assumed: the allergy check runs on the agents named here, and an allergy met
    # by an agent left unnamed is a finding that asks for it ("name the agent")
    local_anaesthetic: _TEXT = Field(default="", description="the agent that will be used")
    antiseptic: _TEXT = Field(default="", description="the agent that will be used")
    latex_free: bool = False


class MedicationIn(BaseModel):
    """A medicine taken and its last dose."""

    drug: _TEXT
    last_dose_at: AwareDatetime | None = None


class AssessmentIn(BaseModel):
    """The pre-procedure checklist and consent (age and sex come from the patient)."""

    plan: PlanIn = PlanIn()
    allergies: list[_TEXT] = Field(default=[], max_length=50)
    pregnancy: str = Field(default="not_applicable", max_length=32)
    bleeding_disorder: _TEXT = ""
    platelets_per_nl: float | None = None
    platelets_at: AwareDatetime | None = None
    inr: float | None = None
    inr_at: AwareDatetime | None = None
    creatinine_clearance_ml_min: float | None = None
    medications: list[MedicationIn] = Field(default=[], max_length=50)
    other_medications: list[_TEXT] = Field(default=[], max_length=50)
    last_solids_at: AwareDatetime | None = None
    last_clear_fluids_at: AwareDatetime | None = None
    driver_home: bool | None = None
    consent_by: str = Field(default="none", max_length=32)
    consent_signed_by: _TEXT = ""
    notes: _NOTE = ""


class VitalIn(BaseModel):
    """One vital sign reading."""

    at: AwareDatetime
    sign: str = Field(max_length=32, description="e.g. heart_rate, systolic_bp, spo2")
    value: float
    unit: str | None = Field(default=None, max_length=16)


class ProcedureIn(BaseModel):
    """The procedure record; ``operator`` (a full name) defaults to the signed-in person's."""

    operator: _TEXT = ""
    assistant: _TEXT = ""
    site: str = Field(max_length=40, description="e.g. posterior_iliac_crest")
    side: str = Field(max_length=16)
    sedation: str = Field(default="local", max_length=32)
    time_out_at: AwareDatetime
    started_at: AwareDatetime
    ended_at: AwareDatetime
    aspirate_at: AwareDatetime | None = None
    dry_tap: bool = False
    biopsy_at: AwareDatetime | None = None
    core_length_mm: float | None = Field(default=None, ge=0, le=100)
    vitals: list[VitalIn] = Field(default=[], max_length=200)
    complications: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=20)
    complication_notes: _NOTE = ""
    observation_minutes: int = Field(default=0, ge=0, le=24 * 60)
    notes: _NOTE = ""
    stop_override_reason: _NOTE = Field(default="", description="needed to go past a 'stop'")


class RecordOut(BaseModel):
    """A stored clinical record (its JSON form) and what the rules found in it."""

    id: int
    case_id: int
    kind: str
    version: int
    recorded_at: datetime
    recorded_by: str
    payload: dict[str, Any]
    findings: list[dict[str, str]] = []
    overall: str | None = None
    warnings: list[str] = []


def _record_out(record: Any, **extra: Any) -> RecordOut:
    return RecordOut(
        id=record.id,
        case_id=record.case_id,
        kind=record.kind.value,
        version=record.version,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
        payload=codec.dump(record.payload),
        **extra,
    )


@router.post("/patients", status_code=201)
def new_patient(ctx: Ctx, me: Clinician, body: PatientIn) -> dict[str, int]:
    """Register a patient and open their examination case (409 if the MRN exists)."""
    with ctx.uow() as uow:
        patient = register_patient(
            uow, me.actor, mrn=body.mrn, family_name=body.family_name,
            given_name=body.given_name, birth_date=body.birth_date, sex=body.sex,
            phone=body.phone,
        )  # fmt: skip
        case = open_case(uow, me.actor, patient.id)
    return {"patient_id": patient.id, "case_id": case.id}


@router.post("/cases/{case_id}/order", status_code=201)
def place_order(ctx: Ctx, me: Clinician, case_id: int, body: OrderIn) -> RecordOut:
    """Order the marrow examination with one or more indications and its tests."""
    with ctx.uow() as uow:
        record = pathway.place_order(
            uow, me.actor, case_id, indications=body.indications,
            clinical_details=body.clinical_details, urgency=body.urgency, tests=body.tests,
        )  # fmt: skip
    return _record_out(record)


class OrderTestsIn(BaseModel):
    """The placed order's tests, changed, with the reason."""

    tests: list[Annotated[str, Field(max_length=64)]] = Field(max_length=20)
    reason: _NOTE


@router.post("/cases/{case_id}/order/tests", status_code=201)
def change_order_tests(ctx: Ctx, me: Clinician, case_id: int, body: OrderTestsIn) -> RecordOut:
    """Change the placed order's tests with a reason: a new version of the order supersedes
    the old, which stays readable."""
    with ctx.uow() as uow:
        record = pathway.change_ordered_tests(
            uow, me.actor, case_id, body.tests, reason=body.reason
        )
    return _record_out(record)


@router.post("/cases/{case_id}/assessment", status_code=201)
def save_assessment(ctx: Ctx, me: Ward, case_id: int, body: AssessmentIn) -> RecordOut:
    """Save the checklist and consent; the safety findings are kept with it."""
    try:
        plan = Plan(
            planned_at=body.plan.planned_at or datetime.now(UTC),
            sedation=Sedation(body.plan.sedation),
            local_anaesthetic=body.plan.local_anaesthetic,
            antiseptic=body.plan.antiseptic,
            sedatives=tuple(
                s.strip() for s in (*body.plan.sedatives, body.plan.sedative) if s.strip()
            ),
            latex_free=body.plan.latex_free,
        )
    except ValueError as error:
        raise InvalidInput(f"plan: {error}") from None
    fields = body.model_dump(mode="json", exclude={"plan"})
    fields["assessed_at"] = datetime.now(UTC).isoformat()
    with ctx.uow() as uow:
        outcome = pathway.record_assessment(
            uow, me.actor, case_id, plan=plan, assessment=fields, policy=safety_policy(ctx)
        )
    return _record_out(
        outcome.record,
        findings=findings_payload(outcome.findings),
        overall=outcome.overall.value if outcome.overall else None,
    )


@router.post("/cases/{case_id}/procedure", status_code=201)
def save_procedure(ctx: Ctx, me: Ward, case_id: int, body: ProcedureIn) -> RecordOut:
    """Record the procedure with its vital signs; a 'stop' needs an override reason."""
    data = body.model_dump(mode="json", exclude={"stop_override_reason"})
    # the person, as the notes name them: typed, else the signed-in person's full name
    data["operator"] = data["operator"].strip() or me.user.display_name
    if not is_full_name(data["operator"]):
        raise InvalidInput("operator: give the operator's full name (given and family name)")
    with ctx.uow() as uow:
        outcome = pathway.record_procedure_from(
            uow, me.actor, case_id, data, stop_override_reason=body.stop_override_reason
        )
    return _record_out(outcome.record, warnings=[str(w.message) for w in outcome.warnings])


@router.post("/cases/{case_id}/aftercare", status_code=201)
def give_aftercare(ctx: Ctx, me: Ward, case_id: int) -> RecordOut:
    """Issue the aftercare instructions (from the procedure's sedation and drugs)."""
    with ctx.uow() as uow:
        record = pathway.issue_aftercare(uow, me.actor, case_id)
    return _record_out(record)
