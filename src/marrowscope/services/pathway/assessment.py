"""The pre-procedure assessment: every safety rule run on the patient's own values, and
the preparation sheet the patient takes home.

Kept apart from ``services.pathway`` because it is the one step that gathers data from
the others (the order must exist, the platelet count may come from the current CBC, age
and sex from the patient record) and the only one whose outcome the patient reads.
Re-exported by ``services.pathway``, so ``pathway.record_assessment`` keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any

from marrowscope.domain.cases.model import Patient
from marrowscope.domain.errors import InvalidInput, NotAllowed, NotFound
from marrowscope.domain.pathway.preparation import PreparationSheet, preparation, preparation_sheet
from marrowscope.domain.pathway.records import RecordKind, StoredRecord
from marrowscope.domain.pathway.safety import (
    Assessment,
    Plan,
    Pregnancy,
    SafetyFinding,
    SafetyPolicy,
    Severity,
    assess,
    known_drugs,
    overall,
    pregnancy_asked,
    refuse_impossible,
)
from marrowscope.domain.roles import Actor
from marrowscope.services.cases import (
    CLINICAL,
    codec,
    get_case,
    open_case_for_writing,
    require_staff,
    write_record,
)
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["AssessmentOutcome", "preparation_sheet_for", "preview_assessment", "record_assessment"]


@dataclass(frozen=True, slots=True)
class AssessmentOutcome:
    """The stored assessment with its findings and the patient's preparation sheet."""

    record: StoredRecord
    findings: list[SafetyFinding]
    overall: Severity | None
    preparation_sheet: str


def _assessment_payload(a: Assessment, plan: Plan, findings: list[SafetyFinding]) -> dict[str, Any]:
    return {
        "assessment": codec.dump(a),
        "plan": codec.dump(plan),
        "findings": codec.dump(findings),
        "overall": codec.dump(overall(findings)),
    }


def _complete(
    uow: UnitOfWork, case_id: int, patient: Patient, plan: Plan, assessment: Mapping[str, Any]
) -> Assessment:
    """The assessment the rules see: the form's fields, the patient's age and sex, and a
    missing platelet count taken from the current CBC. Saving and the live preview both
    go through here, so the panel and the saved findings cannot disagree."""
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
    refuse_impossible(a, plan, patient.birth_date)  # before anything is stored
    return a


def preview_assessment(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    plan: Plan,
    assessment: Mapping[str, Any],
    policy: SafetyPolicy | None = None,
) -> list[SafetyFinding]:
    """The findings saving this checklist would give, saving nothing (the live panel);
    ``policy``: the lab's settings where guidelines differ (default: the guidelines')."""
    require_staff(actor, CLINICAL)
    case = get_case(uow, actor, case_id)
    patient = uow.patients.get(case.patient_id)
    if patient is None:
        raise NotFound(f"no patient for case {case_id}")
    return assess(_complete(uow, case_id, patient, plan, assessment), plan, policy)


@transactional
def record_assessment(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    plan: Plan,
    assessment: Mapping[str, Any],
    policy: SafetyPolicy | None = None,
) -> AssessmentOutcome:
    """Pre-procedure assessment: runs every safety rule and keeps what it found.

    ``assessment`` holds the fields of ``domain.safety.Assessment`` except age and sex,
    which come from the patient record; a missing platelet count is taken from the
    case's current CBC. An order must exist: no examination without an indication.
    ``policy`` is the lab's choice where guidelines differ (from the settings, through
    the caller); the stored record keeps it beside the findings it gave. Impossible input
    is refused before anything is written.
    """
    require_staff(actor, CLINICAL)
    _case, patient = open_case_for_writing(uow, actor, case_id)
    if uow.pathway.latest(case_id, RecordKind.ORDER) is None:
        raise NotAllowed("assessment: place the order (with its indication) first")
    a = _complete(uow, case_id, patient, plan, assessment)
    if a.pregnancy is Pregnancy.NOT_APPLICABLE and pregnancy_asked(a.sex, a.age_years):
        # left unanswered is not "not pregnant": nothing is saved that nobody said
        raise InvalidInput(
            f"pregnancy: ask (the patient is {a.age_years}, recorded as female); choose "
            "pregnant, not pregnant or unknown"
        )
    policy = policy or SafetyPolicy()
    findings = assess(a, plan, policy)
    payload = {**_assessment_payload(a, plan, findings), "policy": codec.dump(policy)}
    record = write_record(uow, actor, case_id, RecordKind.ASSESSMENT, payload)
    uow.commit()
    sheet = preparation_sheet(
        patient.display_name, plan, a.medications, a.creatinine_clearance_ml_min, policy=policy
    )
    return AssessmentOutcome(record, findings, overall(findings), sheet)


def preparation_sheet_for(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    zone: tzinfo = UTC,
    phone: str = "",
    policy: SafetyPolicy | None = None,
) -> PreparationSheet:
    """The plain-language sheet from the current assessment (the patient may read it).

    ``zone`` and ``phone`` come from the settings through the caller: the patient reads
    times in their own zone and needs the number to call written out. The hold times
    follow the lab policy the assessment was saved under, unless ``policy`` is given.
    """
    case = get_case(uow, actor, case_id)
    record = uow.pathway.latest(case_id, RecordKind.ASSESSMENT)
    patient = uow.patients.get(case.patient_id)
    if record is None or patient is None:
        raise NotFound(f"case {case_id} has no pre-procedure assessment yet")
    a = codec.assessment_from(record.payload["assessment"])
    plan = codec.plan_from(record.payload["plan"])
    if policy is None and isinstance(record.payload.get("policy"), dict):
        policy = SafetyPolicy(**record.payload["policy"])  # the one its findings came from
    return preparation(
        patient.display_name,
        plan,
        a.medications,
        a.creatinine_clearance_ml_min,
        zone=zone,
        phone=phone,
        policy=policy,
    )
