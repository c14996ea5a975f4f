"""Use cases of the clinical pathway before and after the laboratory: blood count,
order, pre-procedure assessment, procedure, aftercare and follow-up check-ins.

Each function is one transaction: it validates through the domain, writes, appends an
audit entry and commits; any error leaves the database unchanged. Corrections insert a
new version that supersedes the old one (``correct_record``), never an overwrite.
Specimens, tests and results are in ``services.laboratory``; aftercare and check-ins in
``services.followup`` and the read models in ``services.case_views`` (both re-exported
here, so ``pathway.load_case_record`` keeps working).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cbc import evaluate, parse_blood_count
from marrowscope.domain.errors import InvalidInput, MarrowscopeError, NotAllowed, NotFound
from marrowscope.domain.indication import (
    make_order,
    suggest_indications,
)
from marrowscope.domain.pathway import RecordKind, StoredRecord
from marrowscope.domain.preparation import preparation_sheet
from marrowscope.domain.procedure import ProcedureRecord, ProcedureWarning, validate_procedure
from marrowscope.domain.roles import Actor, Role
from marrowscope.domain.safety import (
    Assessment,
    Plan,
    SafetyFinding,
    Severity,
    assess,
    known_drugs,
    overall,
)
from marrowscope.services import pathway_codec as codec
from marrowscope.services.audit import record_audit
from marrowscope.services.case_views import (
    CaseOverview,
    CbcOutcome,
    case_history,
    case_overviews,
    cbc_outcome,
    load_case_record,
)
from marrowscope.services.clinical_records import (
    CLINICAL,
    OPERATORS,
    ORDERERS,
    open_case_for_writing,
    write_record,
)
from marrowscope.services.followup import issue_aftercare, record_check_in
from marrowscope.services.patients import get_case, require_staff
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = [
    "AssessmentOutcome",
    "CaseOverview",
    "CbcOutcome",
    "case_history",
    "case_overviews",
    "cbc_outcome",
    "ProcedureOutcome",
    "correct_record",
    "issue_aftercare",
    "load_case_record",
    "place_order",
    "preparation_sheet_for",
    "record_assessment",
    "record_cbc",
    "record_check_in",
    "record_procedure",
    "record_procedure_from",
]


@dataclass(frozen=True, slots=True)
class AssessmentOutcome:
    """The stored assessment with its findings and the patient's preparation sheet."""

    record: StoredRecord
    findings: list[SafetyFinding]
    overall: Severity | None
    preparation_sheet: str


@dataclass(frozen=True, slots=True)
class ProcedureOutcome:
    """The stored procedure with its warnings (short core, vital-sign alerts...)."""

    record: StoredRecord
    warnings: list[ProcedureWarning]


@transactional
def record_cbc(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    collected_at: datetime,
    measurements: Mapping[str, Any],
    laboratory: str = "",
) -> CbcOutcome:
    """Record a blood count; returns its flags and the indications it suggests."""
    require_staff(actor, CLINICAL)
    _case, patient = open_case_for_writing(uow, actor, case_id)
    count = parse_blood_count(collected_at, measurements, laboratory=laboratory)
    record = write_record(uow, actor, case_id, RecordKind.CBC, codec.dump(count))
    uow.commit()
    flags = evaluate(count, patient.sex)
    return CbcOutcome(record, flags, suggest_indications(flags))


@transactional
def place_order(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    indications: Sequence[str],
    clinical_details: str,
    urgency: str = "routine",
) -> StoredRecord:
    """The clinician's request for a marrow examination, with its indication(s)."""
    require_staff(actor, ORDERERS)
    open_case_for_writing(uow, actor, case_id)
    order = make_order(
        indications, clinical_details, urgency, ordered_by=actor.username, ordered_at=uow.now()
    )
    record = write_record(uow, actor, case_id, RecordKind.ORDER, codec.dump(order))
    uow.commit()
    return record


def _assessment_payload(a: Assessment, plan: Plan, findings: list[SafetyFinding]) -> dict[str, Any]:
    return {
        "assessment": codec.dump(a),
        "plan": codec.dump(plan),
        "findings": codec.dump(findings),
        "overall": codec.dump(overall(findings)),
    }


@transactional
def record_assessment(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    plan: Plan,
    assessment: Mapping[str, Any],
) -> AssessmentOutcome:
    """Pre-procedure assessment: runs every safety rule and keeps what it found.

    ``assessment`` holds the fields of ``domain.safety.Assessment`` except age and sex,
    which come from the patient record; a missing platelet count is taken from the
    case's current CBC. An order must exist: no examination without an indication.
    """
    require_staff(actor, CLINICAL)
    _case, patient = open_case_for_writing(uow, actor, case_id)
    if uow.pathway.latest(case_id, RecordKind.ORDER) is None:
        raise NotAllowed("assessment: place the order (with its indication) first")
    fields = dict(assessment)
    fields.setdefault("assessed_at", codec.dump(uow.now()))
    cbc = uow.pathway.latest(case_id, RecordKind.CBC)
    if fields.get("platelets_per_nl") is None and cbc is not None:
        # the count already on record is the one the rules should see (its age is checked)
        platelets = cbc.payload["values"].get("platelets")
        if platelets is not None:
            fields["platelets_per_nl"] = platelets
            fields["platelets_at"] = cbc.payload["collected_at"]
    fields["age_years"] = patient.age_on(plan.planned_at.date())
    fields["sex"] = patient.sex.value
    try:
        a = codec.assessment_from(fields)
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"assessment: {error}") from error
    unknown = [m.drug for m in a.medications if m.drug.lower() not in known_drugs()]
    if unknown:
        raise InvalidInput(
            f"medications: {', '.join(unknown)} not in the antithrombotic table; "
            "list other medicines under other_medications"
        )
    findings = assess(a, plan)
    record = write_record(
        uow, actor, case_id, RecordKind.ASSESSMENT, _assessment_payload(a, plan, findings)
    )
    uow.commit()
    sheet = preparation_sheet(
        patient.display_name, plan, a.medications, a.creatinine_clearance_ml_min
    )
    return AssessmentOutcome(record, findings, overall(findings), sheet)


def preparation_sheet_for(uow: UnitOfWork, actor: Actor, case_id: int) -> str:
    """The plain-language sheet from the current assessment (the patient may read it)."""
    case = get_case(uow, actor, case_id)
    record = uow.pathway.latest(case_id, RecordKind.ASSESSMENT)
    patient = uow.patients.get(case.patient_id)
    if record is None or patient is None:
        raise NotFound(f"case {case_id} has no pre-procedure assessment yet")
    a = codec.assessment_from(record.payload["assessment"])
    plan = codec.plan_from(record.payload["plan"])
    return preparation_sheet(
        patient.display_name, plan, a.medications, a.creatinine_clearance_ml_min
    )


@transactional
def record_procedure(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    procedure: ProcedureRecord,
    *,
    stop_override_reason: str = "",
) -> ProcedureOutcome:
    """Record the procedure; refused while the assessment holds a 'stop' finding.

    A 'stop' can be overridden only with a written reason (kept in the record and the
    audit log), for the rare case where the operator judged it safe to go ahead.
    """
    require_staff(actor, OPERATORS | {Role.NURSE})
    _case, patient = open_case_for_writing(uow, actor, case_id)
    assessment = uow.pathway.latest(case_id, RecordKind.ASSESSMENT)
    if assessment is None:
        raise NotAllowed("procedure: record the pre-procedure assessment first")
    stops = [
        f
        for f in codec.findings_from(assessment.payload["findings"])
        if f.severity is Severity.STOP
    ]
    if stops and not stop_override_reason.strip():
        raise NotAllowed(
            "procedure: the assessment has unresolved stop findings: "
            + "; ".join(f.message for f in stops)
        )
    if procedure.started_at > uow.now():
        raise InvalidInput("started_at: a procedure cannot be recorded before it happens")
    months = (
        (procedure.started_at.year - patient.birth_date.year) * 12
        + procedure.started_at.month
        - patient.birth_date.month
    )
    warnings = validate_procedure(procedure, patient_age_months=months)
    payload = {
        "procedure": codec.dump(procedure),
        "warnings": codec.dump(warnings),
        "stop_override_reason": stop_override_reason.strip(),
    }
    record = write_record(uow, actor, case_id, RecordKind.PROCEDURE, payload)
    uow.commit()
    return ProcedureOutcome(record, warnings)


@transactional
def record_procedure_from(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    data: Mapping[str, Any],
    *,
    stop_override_reason: str = "",
) -> ProcedureOutcome:
    """``record_procedure`` from plain data (a web form or JSON file): ISO times, enum
    values as text, vitals as ``[{"at", "sign", "value", "unit"?}]``."""
    try:
        procedure = codec.procedure_from(data)
    except MarrowscopeError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"procedure: {error!s} is missing or not valid") from error
    return record_procedure(
        uow, actor, case_id, procedure, stop_override_reason=stop_override_reason
    )


@transactional
def correct_record(
    uow: UnitOfWork,
    actor: Actor,
    record_id: int,
    changes: Mapping[str, Any],
    *,
    reason: str,
) -> StoredRecord:
    """Correct a CBC or an order: a new version supersedes the old, which stays readable.

    ``changes`` holds the new input as for ``record_cbc`` (``collected_at``,
    ``measurements``) or ``place_order`` (``indications``, ``clinical_details``,
    ``urgency``); it is validated as fresh input.
    """
    require_staff(actor, CLINICAL)
    if not reason.strip():
        raise InvalidInput("reason: a correction needs a reason")
    old = uow.pathway.get_record(record_id)
    if old is None:
        raise NotFound(f"no record {record_id}")
    open_case_for_writing(uow, actor, old.case_id)
    if not old.is_current:
        raise NotAllowed(f"record {record_id} was already corrected; correct the newest version")
    if old.kind is RecordKind.CBC:
        count = parse_blood_count(
            changes.get("collected_at") or codec.cbc_from(old.payload).collected_at,
            changes["measurements"],
            laboratory=str(changes.get("laboratory", old.payload.get("laboratory", ""))),
        )
        payload: dict[str, Any] = codec.dump(count)
    elif old.kind is RecordKind.ORDER:
        require_staff(actor, ORDERERS)
        prior = codec.order_from(old.payload)
        order = make_order(
            changes.get("indications", [i.value for i in prior.indications]),
            str(changes.get("clinical_details", prior.clinical_details)),
            changes.get("urgency", prior.urgency),
            ordered_by=prior.ordered_by,
            ordered_at=prior.ordered_at,
        )
        payload = codec.dump(order)
    else:
        raise NotAllowed(
            f"{old.kind.value}: record a new {old.kind.value} instead; the earlier one stays"
        )
    new = uow.pathway.add_record(
        old.case_id,
        old.kind,
        payload,
        at=uow.now(),
        by=actor.username,
        supersedes=old,
        reason=reason.strip(),
    )
    record_audit(
        uow,
        actor,
        old.kind.value,
        old.id,
        AuditAction.SUPERSEDE,
        {**dict(old.payload), "superseded_by": None},
        {**payload, "superseded_by": new.id, "reason": reason.strip()},
        case_id=old.case_id,
    )
    uow.commit()
    return new
