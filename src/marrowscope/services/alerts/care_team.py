"""Care-team alerts: raised with the check-in that escalates, read and acknowledged by staff.

``raise_for_check_in`` is called by both check-in use cases (the patient's own in
``services.pathway`` and the staff call in ``services.pathway``) before they
commit, so a stored urgent check-in without its alert cannot exist. Reading and
acknowledging are for the roles that can act on a patient's symptoms after the
procedure: nurses, proceduralists and clinicians (``ALERT_ROLES``). The laboratory,
morphologists, pathologists and the administrator are refused: they cannot phone the
patient back, and an inbox they cannot act on would only dilute it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from marrowscope.domain.alerts import model
from marrowscope.domain.alerts.model import Alert, AlertSource, NewAlert
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import NotFound
from marrowscope.domain.pathway.aftercare import Escalation
from marrowscope.domain.pathway.records import StoredRecord
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import get_case, require_staff
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = [
    "ALERT_ROLES",
    "AlertStore",
    "acknowledge_alert",
    "alert_for_record",
    "alerts_for_case",
    "count_open_alerts",
    "list_alerts",
    "raise_for_check_in",
]

ALERT_ROLES = frozenset({Role.NURSE, Role.PROCEDURALIST, Role.CLINICIAN})


class AlertStore(Protocol):
    """Stored alerts (``db.alert_tables.SqlAlertStore``)."""

    def add(self, new: NewAlert) -> Alert: ...

    def get(self, alert_id: int) -> Alert | None: ...

    def for_record(self, record_id: int) -> Alert | None: ...

    def list(self, *, open_only: bool, case_id: int | None = None) -> Sequence[Alert]: ...

    def count_open(self) -> int: ...

    def acknowledge(self, alert_id: int, *, at: datetime, by: str, note: str) -> None: ...

    def escalate(self, alert_id: int, *, at: datetime, to: str) -> bool: ...


StoreFactory = Callable[[Any], AlertStore]


def _store(uow: UnitOfWork, factory: StoreFactory | None) -> AlertStore:
    if factory is None:
        # The SQL store by default, imported here so that tests may pass another one.
        from marrowscope.db.alert_tables import SqlAlertStore

        factory = SqlAlertStore
    return uow.bind(factory)


def _fields(alert: Alert) -> dict[str, object]:
    return {
        "record_id": alert.record_id,
        "level": alert.level,
        "reason": alert.reason,
        "source": alert.source,
        "raised_by": alert.raised_by,
    }


def raise_for_check_in(
    uow: UnitOfWork,
    actor: Actor,
    record: StoredRecord,
    escalation: Escalation,
    *,
    source: AlertSource,
    temperature_c: float | None = None,
    stores: StoreFactory | None = None,
) -> Alert | None:
    """The alert an escalated check-in raises (audited; the caller commits), or None.

    The patient's telephone number and their own notes from the check-in are copied in,
    so the person ringing back has both on the alert itself.
    """
    case = get_case(uow, actor, record.case_id)
    patient = uow.patients.get(case.patient_id)
    notes = str(record.payload.get("check_in", {}).get("notes") or "")
    new = model.new_alert(
        escalation,
        case_id=case.id,
        patient_id=case.patient_id,
        record_id=record.id,
        source=source,
        at=uow.now(),
        by=actor.username,
        temperature_c=temperature_c,
        patient_phone=patient.phone if patient is not None else "",
        patient_notes=notes,
    )
    if new is None:
        return None
    alert = _store(uow, stores).add(new)
    record_audit(
        uow, actor, "alert", alert.id, AuditAction.CREATE, None, _fields(alert), case_id=case.id
    )
    return alert


def list_alerts(
    uow: UnitOfWork,
    actor: Actor,
    *,
    include_acknowledged: bool = False,
    stores: StoreFactory | None = None,
) -> list[Alert]:
    """The inbox: open alerts, urgent first, longest waiting first (``domain.alerts``)."""
    require_staff(actor, ALERT_ROLES)
    found = _store(uow, stores).list(open_only=not include_acknowledged)
    return model.inbox_order(found)


def alerts_for_case(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    include_acknowledged: bool = False,
    stores: StoreFactory | None = None,
) -> list[Alert]:
    """The alerts of one case (the banner on its page): open ones, and with
    ``include_acknowledged`` also those done, so the page says what was done."""
    require_staff(actor, ALERT_ROLES)
    get_case(uow, actor, case_id)
    found = _store(uow, stores).list(open_only=not include_acknowledged, case_id=case_id)
    return model.inbox_order(found)


def count_open_alerts(uow: UnitOfWork, actor: Actor, *, stores: StoreFactory | None = None) -> int:
    """How many alerts wait (the count in every staff page's header)."""
    require_staff(actor, ALERT_ROLES)
    return _store(uow, stores).count_open()


def alert_for_record(
    uow: UnitOfWork, actor: Actor, record_id: int, *, stores: StoreFactory | None = None
) -> Alert | None:
    """The alert a check-in raised; its author (a patient: their own case) may ask."""
    alert = _store(uow, stores).for_record(record_id)
    if alert is not None:
        get_case(uow, actor, alert.case_id)  # NotFound for a patient's other cases
    return alert


@transactional
def acknowledge_alert(
    uow: UnitOfWork,
    actor: Actor,
    alert_id: int,
    note: str,
    *,
    stores: StoreFactory | None = None,
) -> Alert:
    """Acknowledge an open alert with a note of what was done (audited, committed)."""
    require_staff(actor, ALERT_ROLES)
    store = _store(uow, stores)
    alert = store.get(alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    at = uow.now()
    done = model.acknowledge(alert, by=actor.username, at=at, note=note)
    store.acknowledge(alert_id, at=at, by=actor.username, note=done.acknowledgement_note)
    record_audit(
        uow,
        actor,
        "alert",
        alert_id,
        AuditAction.UPDATE,
        {"acknowledged_at": None, "acknowledged_by": None, "acknowledgement_note": ""},
        {
            "acknowledged_at": done.acknowledged_at,
            "acknowledged_by": done.acknowledged_by,
            "acknowledgement_note": done.acknowledgement_note,
        },
        case_id=alert.case_id,
    )
    uow.commit()
    return done
