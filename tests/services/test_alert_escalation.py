"""Escalation and notification of alerts on a migrated database: the phone number and
notes travel with the alert, an overdue urgent alert escalates once (audited), and a
channel that is down leaves its delivery pending, never lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from marrowscope.domain.alerts.escalation import DeliveryStatus, Message, NotifyEvent
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import alerts, cases
from marrowscope.services.pathway import patient_check_in
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.services.conftest import FakeClock

POLICY = alerts.EscalationPolicy(after=timedelta(minutes=15), to="on_call_haematologist")


@dataclass
class Channel:
    """A notifier that records what it sent, or fails while ``down``."""

    name: str = "email"
    down: bool = False
    sent: list[Message] = field(default_factory=list)

    def send(self, message: Message) -> None:
        if self.down:
            raise ConnectionRefusedError("relay unreachable")
        self.sent.append(message)


@pytest.fixture
def case_id(uow: UnitOfWork, clinician: Actor, proceduralist: Actor, clock: FakeClock) -> int:
    patient = cases.register_patient(
        uow, clinician, mrn="E-1", family_name="Doe", given_name="Jo",
        birth_date=date(1958, 1, 2), sex=Sex.FEMALE, phone="07700 900456",
    )  # fmt: skip
    case = cases.open_case(uow, clinician, patient.id)
    # a procedure to follow up; its content does not matter to the alerts
    done = {"procedure": {"started_at": clock().isoformat()}}
    uow.pathway.add_record(case.id, RecordKind.PROCEDURE, done, at=clock(), by="proc")
    uow.commit()
    return case.id


@pytest.fixture
def me(uow: UnitOfWork, clinician: Actor, case_id: int) -> Actor:
    case = cases.get_case(uow, clinician, case_id)
    return Actor("jo.doe", Role.PATIENT, patient_id=case.patient_id)


def _urgent(uow: UnitOfWork, me: Actor, case_id: int) -> int:
    record, _ = patient_check_in(
        uow, me, case_id, symptoms=["bleeding_not_stopped"], temperature_c=38.6,
        notes="  Soaked two pads since 6 pm  ",
    )  # fmt: skip
    alert = alerts.alert_for_record(uow, me, record.id)
    assert alert is not None
    return alert.id


def _log(factory: UnitOfWorkFactory, nurse: Actor, alert_id: int) -> list[Any]:
    """The delivery log read in a unit of its own (SQLite: one writer at a time)."""
    with factory() as unit:
        return alerts.delivery_log(unit, nurse, [alert_id])[alert_id]


def _audit(db_url: str, entity: str) -> list[Any]:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = list(
            conn.execute(
                sa.text("SELECT actor_username, changes FROM audit_log WHERE entity = :e"),
                {"e": entity},
            )
        )
    engine.dispose()
    return rows


def test_the_alert_carries_the_patients_number_and_own_words(
    uow: UnitOfWork, me: Actor, nurse: Actor, case_id: int
) -> None:
    _urgent(uow, me, case_id)
    [alert] = alerts.list_alerts(uow, nurse)
    assert alert.patient_phone == "07700 900456"
    assert alert.patient_notes == "Soaked two pads since 6 pm"


def test_a_bad_phone_number_is_refused_by_its_field_and_nothing_is_stored(
    uow: UnitOfWork, clinician: Actor
) -> None:
    with pytest.raises(InvalidInput, match="^phone: "):
        cases.register_patient(
            uow, clinician, mrn="E-2", family_name="Roe", given_name="Al",
            birth_date=date(1960, 1, 1), sex=Sex.MALE, phone="call me maybe",
        )  # fmt: skip
    assert cases.search_patients(uow, clinician, "E-2") == []


def test_an_overdue_urgent_alert_escalates_once_and_is_audited(
    uow: UnitOfWork, me: Actor, nurse: Actor, case_id: int, clock: FakeClock, db_url: str
) -> None:
    alert_id = _urgent(uow, me, case_id)
    clock.advance(minutes=14)
    assert alerts.escalate_overdue_alerts(uow, after=POLICY.after, to=POLICY.to) == []

    clock.advance(minutes=1)
    [done] = alerts.escalate_overdue_alerts(uow, after=POLICY.after, to=POLICY.to)
    again = alerts.escalate_overdue_alerts(uow, after=POLICY.after, to=POLICY.to)

    assert done.id == alert_id and done.is_escalated and again == []
    assert done.escalated_to == "on_call_haematologist" and done.is_open
    escalations = [r for r in _audit(db_url, "alert") if "escalated_to" in str(r.changes)]
    assert len(escalations) == 1 and escalations[0].actor_username == "system"


def test_a_channel_that_is_down_keeps_the_delivery_pending_until_it_is_back(
    uow_factory: UnitOfWorkFactory, uow: UnitOfWork, me: Actor, nurse: Actor, case_id: int,
    clock: FakeClock,
) -> None:  # fmt: skip
    alert_id = _urgent(uow, me, case_id)
    uow.rollback()  # end the fixture's transaction: the duties write in their own units
    mail = Channel(down=True)
    clock.advance(minutes=16)

    first = alerts.run_alert_duties(uow_factory, POLICY, {"email": mail})
    log = _log(uow_factory, nurse, alert_id)

    assert (first.escalated, first.queued, first.delivery.failed) == (1, 2, 2)
    assert {(d.event, d.status, d.attempts) for d in log} == {
        (NotifyEvent.RAISED, DeliveryStatus.PENDING, 1),
        (NotifyEvent.ESCALATED, DeliveryStatus.PENDING, 1),
    }
    assert all("relay unreachable" in d.last_error for d in log)
    with uow_factory() as unit:
        assert [a.id for a in alerts.list_alerts(unit, nurse)] == [alert_id]  # still open

    # not due yet: the backoff holds the retry back
    assert alerts.run_alert_duties(uow_factory, POLICY, {"email": mail}).delivery.failed == 0
    mail.down = False
    clock.advance(seconds=31)
    later = alerts.run_alert_duties(uow_factory, POLICY, {"email": mail})

    assert later.delivery.sent == 2
    subjects = sorted(m.subject for m in mail.sent)
    assert subjects[0].startswith("[marrowscope] ESCALATED: Urgent alert on case")
    assert all("Bleeding" not in m.subject + m.text for m in mail.sent)  # no symptoms
    assert all("Doe" not in m.subject + m.text for m in mail.sent)  # no name
    statuses = {d.status for d in _log(uow_factory, nurse, alert_id)}
    assert statuses == {DeliveryStatus.SENT}


def test_acknowledging_cancels_what_was_not_sent_yet(
    uow_factory: UnitOfWorkFactory, uow: UnitOfWork, me: Actor, nurse: Actor, case_id: int,
    clock: FakeClock,
) -> None:  # fmt: skip
    alert_id = _urgent(uow, me, case_id)
    uow.rollback()
    with uow_factory() as other:
        alerts.queue_notifications(other, ["webhook"])
    alerts.acknowledge_alert(uow, nurse, alert_id, "Phoned; sent to the emergency department")
    uow.rollback()
    clock.advance(minutes=30)

    report = alerts.run_alert_duties(uow_factory, POLICY, {"webhook": Channel("webhook")})

    assert (report.escalated, report.delivery.cancelled, report.delivery.sent) == (0, 1, 0)
