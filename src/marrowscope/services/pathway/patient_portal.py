"""What a patient does for themselves: the follow-up check-in of their own case.

``services.pathway.record_check_in`` is the staff's call (a nurse phoning the patient);
here the patient answers the same questions themselves. The record and its escalation
are the same kind (``check_in``), so the care team sees both in one list, and the audit
log names the patient as the author.
"""

from __future__ import annotations

from collections.abc import Sequence

from marrowscope.domain.alerts.model import AlertSource
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.model import CaseStatus
from marrowscope.domain.errors import NotAllowed, PermissionDenied
from marrowscope.domain.pathway.aftercare import CheckIn, Escalation, escalate
from marrowscope.domain.pathway.records import RecordKind, StoredRecord
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.alerts import raise_for_check_in
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import codec, get_case
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["patient_check_in"]


@transactional
def patient_check_in(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    symptoms: Sequence[str],
    temperature_c: float | None = None,
    notes: str = "",
) -> tuple[StoredRecord, Escalation]:
    """A patient's own check-in on their own case; an urgent or same-day answer raises an
    alert for the care team in the same transaction."""
    if actor.role is not Role.PATIENT:
        raise PermissionDenied("staff record a follow-up call with record_check_in")
    case = get_case(uow, actor, case_id)  # NotFound for anyone else's case
    if case.status is not CaseStatus.OPEN:
        raise NotAllowed(f"case {case_id} is {case.status.value}; contact the team directly")
    if uow.pathway.latest(case_id, RecordKind.PROCEDURE) is None:
        raise NotAllowed("check-in: there is no examination to follow up yet")
    neutrophils: float | None = None
    cbc = uow.pathway.latest(case_id, RecordKind.CBC)
    if cbc is not None:
        neutrophils = cbc.payload["values"].get("neutrophils")
    check_in = CheckIn(uow.now(), tuple(symptoms), temperature_c, actor.username, notes.strip())
    escalation = escalate(check_in, neutrophils_per_nl=neutrophils)
    payload = {"check_in": codec.dump(check_in), "escalation": codec.dump(escalation)}
    record = uow.pathway.add_record(
        case_id, RecordKind.CHECK_IN, payload, at=uow.now(), by=actor.username
    )
    record_audit(
        uow, actor, "check_in", record.id, AuditAction.CREATE, None, payload, case_id=case_id
    )
    # Same transaction: an urgent answer is never stored without its alert.
    raise_for_check_in(
        uow,
        actor,
        record,
        escalation,
        source=AlertSource.PATIENT_CHECK_IN,
        temperature_c=temperature_c,
    )
    uow.commit()
    return record, escalation
