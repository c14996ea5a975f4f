"""One entry for a follow-up check-in, whoever sends it: the patient or the care team.

The web page and the JSON API both take check-ins from a patient (on their own case
only) and from staff (a follow-up call), and both must answer with the same level and
alert. The rule of who may send on which case lives here, not in a router.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from marrowscope.domain.errors import PermissionDenied
from marrowscope.domain.pathway.aftercare import Escalation, EscalationLevel
from marrowscope.domain.pathway.check_in_advice import PatientAdvice, patient_advice
from marrowscope.domain.pathway.records import RecordKind, StoredRecord
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.alerts import alert_for_record
from marrowscope.services.cases import get_case, list_cases
from marrowscope.services.pathway.followup import record_check_in
from marrowscope.services.pathway.patient_portal import patient_check_in
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["CheckInOutcome", "latest_check_in_advice", "send_check_in"]


@dataclass(frozen=True)
class CheckInOutcome:
    """The stored check-in, its escalation and the alert it raised (None: no alert)."""

    record: StoredRecord
    escalation: Escalation
    alert_id: int | None

    @property
    def level(self) -> EscalationLevel:
        """The level a person is told: a check-in naming no symptom is routine."""
        level = self.escalation.level
        return EscalationLevel.ROUTINE if level is EscalationLevel.NONE else level

    def advice(self, phone: str) -> PatientAdvice:
        """What the sender is told to do now (``domain.pathway.check_in_advice``)."""
        return patient_advice(self.escalation, phone)


@transactional
def send_check_in(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    symptoms: Sequence[str],
    temperature_c: float | None = None,
    notes: str = "",
) -> CheckInOutcome:
    """Record a check-in; an urgent or same-day one raises an alert in the same transaction.

    A patient may send one on their own case only (``PermissionDenied`` otherwise, so the
    answer does not tell whether another patient's case exists); staff send a follow-up call.
    """
    if actor.role is Role.PATIENT:
        if case_id not in {c.id for c in list_cases(uow, actor)}:
            raise PermissionDenied("a patient may send a check-in on their own case only")
        record, escalation = patient_check_in(
            uow, actor, case_id, symptoms=symptoms, temperature_c=temperature_c, notes=notes
        )
    else:
        record, escalation = record_check_in(
            uow, actor, case_id, symptoms=symptoms, temperature_c=temperature_c, notes=notes
        )
    alert = alert_for_record(uow, actor, record.id)
    return CheckInOutcome(record, escalation, alert.id if alert else None)


def _escalation_of(record: StoredRecord) -> Escalation:
    stored = record.payload.get("escalation", {})
    return Escalation(
        EscalationLevel(stored.get("level", "none")),
        tuple(stored.get("reasons", ())),
        tuple(stored.get("advice", ())),
        tuple(stored.get("sources", ())),
    )


def latest_check_in_advice(
    uow: UnitOfWork, actor: Actor, case_id: int, phone: str
) -> PatientAdvice | None:
    """The advice of the case's latest check-in, from what was stored when it was sent.

    The portal shows it on the page the patient lands on after sending; a patient may
    read it on their own case only (``get_case`` answers ``NotFound`` otherwise).
    """
    get_case(uow, actor, case_id)
    record = uow.pathway.latest(case_id, RecordKind.CHECK_IN)
    return None if record is None else patient_advice(_escalation_of(record), phone)
