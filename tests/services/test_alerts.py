"""Alerts on a migrated database: raised with the check-in in one transaction, audited,
read by the roles who can act, acknowledged once; the migration backfills old check-ins."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from marrowscope.db.migrate import alembic_config, upgrade_database
from marrowscope.domain.alerts.model import AlertSource
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from marrowscope.domain.pathway.aftercare import EscalationLevel
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import alerts, cases, pathway
from marrowscope.services.pathway import patient_check_in
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.services.conftest import FakeClock
from tests.services.test_pathway import _through_procedure


@pytest.fixture
def case_id(uow: UnitOfWork, clinician: Actor, proceduralist: Actor, clock: FakeClock) -> int:
    patient = cases.register_patient(
        uow, clinician, mrn="A-1", family_name="Doe", given_name="Jo",
        birth_date=date(1958, 1, 2), sex=Sex.FEMALE,
    )  # fmt: skip
    case = cases.open_case(uow, clinician, patient.id)
    _through_procedure(uow, clinician, proceduralist, case.id, clock)
    return case.id


@pytest.fixture
def me(uow: UnitOfWork, clinician: Actor, case_id: int) -> Actor:
    """The case's patient."""
    case = cases.get_case(uow, clinician, case_id)
    return Actor("jo.doe", Role.PATIENT, patient_id=case.patient_id)


def _rows(db_url: str, sql: str) -> list[Any]:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = list(conn.exec_driver_sql(sql))
    engine.dispose()
    return rows


def test_a_patients_urgent_check_in_reaches_the_nurse_as_an_audited_alert(
    uow: UnitOfWork, me: Actor, nurse: Actor, case_id: int, db_url: str
) -> None:
    record, escalation = patient_check_in(
        uow, me, case_id, symptoms=["bleeding_not_stopped"], temperature_c=38.6
    )

    [alert] = alerts.list_alerts(uow, nurse)
    assert escalation.level is EscalationLevel.URGENT
    assert (alert.record_id, alert.level, alert.source) == (
        record.id,
        EscalationLevel.URGENT,
        AlertSource.PATIENT_CHECK_IN,
    )
    assert alert.raised_by == "jo.doe" and "38.6 °C" in alert.reason
    assert alerts.count_open_alerts(uow, nurse) == 1
    assert alerts.alert_for_record(uow, me, record.id) == alert
    audit = _rows(db_url, "SELECT actor_username FROM audit_log WHERE entity = 'alert'")
    assert [r[0] for r in audit] == ["jo.doe"]


def test_a_staff_call_that_escalates_raises_an_alert_and_a_routine_one_does_not(
    uow: UnitOfWork, nurse: Actor, clinician: Actor, case_id: int
) -> None:
    pathway.record_check_in(uow, nurse, case_id, symptoms=["mild_soreness"])
    pathway.record_check_in(uow, nurse, case_id, symptoms=["redness"])

    [alert] = alerts.list_alerts(uow, clinician)

    assert (alert.level, alert.source) == (EscalationLevel.SAME_DAY, AlertSource.STAFF_CALL)
    assert alert.raised_by == nurse.username


def test_the_check_in_is_not_stored_when_its_alert_cannot_be(
    uow: UnitOfWork, me: Actor, case_id: int, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marrowscope.db.alert_tables import SqlAlertStore

    def broken(self: SqlAlertStore, new: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SqlAlertStore, "add", broken)
    before = _rows(db_url, "SELECT count(*) FROM clinical_record")[0][0]

    with pytest.raises(RuntimeError):
        patient_check_in(uow, me, case_id, symptoms=["bleeding_not_stopped"])
    uow.commit()

    assert _rows(db_url, "SELECT count(*) FROM clinical_record")[0][0] == before


def test_acknowledging_closes_the_alert_once_and_is_audited(
    uow: UnitOfWork, me: Actor, nurse: Actor, proceduralist: Actor, case_id: int, db_url: str
) -> None:
    patient_check_in(uow, me, case_id, symptoms=["numbness_leg"])
    [alert] = alerts.list_alerts(uow, nurse)

    done = alerts.acknowledge_alert(uow, nurse, alert.id, "Phoned; sent to ED")

    assert done.acknowledged_by == "nina" and done.acknowledgement_note == "Phoned; sent to ED"
    assert alerts.list_alerts(uow, nurse) == []
    assert alerts.list_alerts(uow, nurse, include_acknowledged=True) == [done]
    assert alerts.count_open_alerts(uow, nurse) == 0
    with pytest.raises(Conflict):
        alerts.acknowledge_alert(uow, proceduralist, alert.id, "Phoned again")
    with pytest.raises(InvalidInput):
        alerts.acknowledge_alert(uow, proceduralist, alert.id, " ")
    with pytest.raises(NotFound):
        alerts.acknowledge_alert(uow, nurse, alert.id + 99, "x")
    audit = _rows(
        db_url, "SELECT action, actor_username FROM audit_log WHERE entity = 'alert' ORDER BY id"
    )
    assert [tuple(r) for r in audit] == [("create", "jo.doe"), ("update", "nina")]


@pytest.mark.parametrize(
    "role", [Role.LAB_SCIENTIST, Role.MORPHOLOGIST, Role.PATHOLOGIST, Role.ADMIN, Role.PATIENT]
)
def test_roles_who_cannot_act_on_symptoms_are_refused(
    uow: UnitOfWork, me: Actor, case_id: int, role: Role
) -> None:
    patient_check_in(uow, me, case_id, symptoms=["bleeding_not_stopped"])
    other = Actor("someone", role, patient_id=me.patient_id if role is Role.PATIENT else None)

    with pytest.raises(PermissionDenied):
        alerts.list_alerts(uow, other)
    with pytest.raises(PermissionDenied):
        alerts.count_open_alerts(uow, other)
    with pytest.raises(PermissionDenied):
        alerts.acknowledge_alert(uow, other, 1, "done")


def test_the_migration_backfills_alerts_for_check_ins_stored_before_it(
    uow: UnitOfWork,
    me: Actor,
    nurse: Actor,
    case_id: int,
    db_url: str,
    uow_factory: UnitOfWorkFactory,
) -> None:
    patient_check_in(uow, me, case_id, symptoms=["bleeding_not_stopped"], temperature_c=38.6)
    pathway.record_check_in(uow, nurse, case_id, symptoms=["mild_soreness"])
    uow.commit()
    command.downgrade(alembic_config(db_url), "alerts@base")  # as if stored before alerts

    upgrade_database(db_url)

    rows = _rows(db_url, "SELECT level, source, raised_by, reason FROM care_alert")
    assert [tuple(r[:3]) for r in rows] == [("urgent", "patient_check_in", "jo.doe")]
    assert rows[0][3].endswith("measured temperature 38.6 °C")
    audit = _rows(db_url, "SELECT changes FROM audit_log WHERE entity = 'alert' ORDER BY id")
    assert '"backfilled"' in str(audit[-1][0]) or "backfilled" in str(audit[-1][0])
    # the backfill's entry joined the audit chain: the whole log still verifies
    from marrowscope.services.audit import verify_audit_log

    with uow_factory() as fresh:
        report = verify_audit_log(fresh)
    assert report.ok, report
