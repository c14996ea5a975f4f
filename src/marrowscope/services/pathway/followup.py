"""After the procedure: aftercare instructions and follow-up check-ins that escalate."""

from __future__ import annotations

from collections.abc import Sequence

from marrowscope.domain.alerts.model import AlertSource
from marrowscope.domain.errors import NotAllowed
from marrowscope.domain.pathway.aftercare import (
    CheckIn,
    Escalation,
    aftercare_instructions,
    escalate,
)
from marrowscope.domain.pathway.records import RecordKind, StoredRecord
from marrowscope.domain.pathway.safety import Sedation, known_drugs
from marrowscope.domain.roles import Actor
from marrowscope.services.alerts import raise_for_check_in
from marrowscope.services.cases import (
    CLINICAL,
    codec,
    open_case_for_writing,
    require_staff,
    write_record,
)
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["issue_aftercare", "record_check_in"]


@transactional
def issue_aftercare(uow: UnitOfWork, actor: Actor, case_id: int) -> StoredRecord:
    """Aftercare instructions for the patient, from the procedure's sedation and drugs."""
    require_staff(actor, CLINICAL)
    open_case_for_writing(uow, actor, case_id)
    procedure = uow.pathway.latest(case_id, RecordKind.PROCEDURE)
    if procedure is None:
        raise NotAllowed("aftercare: record the procedure first")
    sedation = Sedation(procedure.payload["procedure"]["sedation"])
    assessment = uow.pathway.latest(case_id, RecordKind.ASSESSMENT)
    anticoagulated = False
    if assessment is not None:
        drugs = known_drugs()
        anticoagulated = any(
            drugs.get(m["drug"].lower()) == "anticoagulant"
            for m in assessment.payload["assessment"].get("medications", ())
        )
    lines = aftercare_instructions(sedation, on_anticoagulant=anticoagulated)
    record = write_record(
        uow,
        actor,
        case_id,
        RecordKind.AFTERCARE,
        {"instructions": lines, "sedation": sedation.value, "issued_by": actor.username},
    )
    uow.commit()
    return record


@transactional
def record_check_in(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    symptoms: Sequence[str],
    temperature_c: float | None = None,
    notes: str = "",
) -> tuple[StoredRecord, Escalation]:
    """A follow-up call; an urgent or same-day answer raises an alert for the care team."""
    require_staff(actor, CLINICAL)
    open_case_for_writing(uow, actor, case_id)
    if uow.pathway.latest(case_id, RecordKind.PROCEDURE) is None:
        raise NotAllowed("check-in: there is no procedure to follow up")
    neutrophils: float | None = None
    cbc = uow.pathway.latest(case_id, RecordKind.CBC)
    if cbc is not None:
        neutrophils = cbc.payload["values"].get("neutrophils")
    check_in = CheckIn(uow.now(), tuple(symptoms), temperature_c, actor.username, notes)
    escalation = escalate(check_in, neutrophils_per_nl=neutrophils)
    record = write_record(
        uow,
        actor,
        case_id,
        RecordKind.CHECK_IN,
        {"check_in": codec.dump(check_in), "escalation": codec.dump(escalation)},
    )
    # Same transaction: an escalated call is never stored without its alert.
    raise_for_check_in(
        uow, actor, record, escalation, source=AlertSource.STAFF_CALL, temperature_c=temperature_c
    )
    uow.commit()
    return record, escalation
