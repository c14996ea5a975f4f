"""Table and store of care-team alerts (Alembic branch "alerts", revision ``alerts_0001``).

One row per escalated check-in record (``record_id`` is unique, so raising twice for the
same check-in is impossible). Acknowledging sets the three ``acknowledged`` columns once:
the update only matches a row that is still open, so two people acknowledging at the same
moment cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.alerts.model import Alert, AlertSource, NewAlert
from marrowscope.domain.errors import Conflict
from marrowscope.domain.pathway.aftercare import EscalationLevel

__all__ = ["SqlAlertStore", "care_alert"]

care_alert = Table(
    "care_alert",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=False, index=True),
    Column("patient_id", Integer, ForeignKey("patient.id"), nullable=False),
    Column("record_id", Integer, ForeignKey("clinical_record.id"), nullable=False, unique=True),
    Column("level", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", String(32), nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("raised_by", String(64), nullable=False),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("acknowledged_by", String(64), nullable=True),
    Column("acknowledgement_note", Text, nullable=False, default=""),
    # alerts_0002: who to ring back, the patient's words, and escalation
    Column("patient_phone", String(32), nullable=False, server_default="", default=""),
    Column("patient_notes", Text, nullable=False, server_default="", default=""),
    Column("escalated_at", UtcDateTime, nullable=True),
    Column("escalated_to", String(64), nullable=False, server_default="", default=""),
    Index("ix_care_alert_open", "acknowledged_at", "level"),
)


def _alert(row: Any) -> Alert:
    return Alert(
        id=row.id,
        case_id=row.case_id,
        patient_id=row.patient_id,
        record_id=row.record_id,
        level=EscalationLevel(row.level),
        reason=row.reason,
        source=AlertSource(row.source),
        raised_at=row.raised_at,
        raised_by=row.raised_by,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        acknowledgement_note=row.acknowledgement_note or "",
        patient_phone=row.patient_phone or "",
        patient_notes=row.patient_notes or "",
        escalated_at=row.escalated_at,
        escalated_to=row.escalated_to or "",
    )


class SqlAlertStore:
    """Alerts on one unit of work's session (``uow.bind(SqlAlertStore)``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, new: NewAlert) -> Alert:
        """Insert an open alert."""
        result = self._session.execute(
            insert(care_alert)
            .returning(care_alert.c.id)
            .values(
                case_id=new.case_id,
                patient_id=new.patient_id,
                record_id=new.record_id,
                level=new.level.value,
                reason=new.reason,
                source=new.source.value,
                raised_at=new.raised_at,
                raised_by=new.raised_by,
                acknowledgement_note="",
                patient_phone=new.patient_phone,
                patient_notes=new.patient_notes,
                escalated_to="",
            )
        )
        return Alert(
            id=int(result.scalar_one()),
            case_id=new.case_id,
            patient_id=new.patient_id,
            record_id=new.record_id,
            level=new.level,
            reason=new.reason,
            source=new.source,
            raised_at=new.raised_at,
            raised_by=new.raised_by,
            patient_phone=new.patient_phone,
            patient_notes=new.patient_notes,
        )

    def get(self, alert_id: int) -> Alert | None:
        """One alert."""
        row = self._session.execute(
            select(care_alert).where(care_alert.c.id == alert_id)
        ).one_or_none()
        return _alert(row) if row is not None else None

    def for_record(self, record_id: int) -> Alert | None:
        """The alert a check-in record raised, if it raised one."""
        row = self._session.execute(
            select(care_alert).where(care_alert.c.record_id == record_id)
        ).one_or_none()
        return _alert(row) if row is not None else None

    def escalate(self, alert_id: int, *, at: datetime, to: str) -> bool:
        """Mark an open, not yet escalated alert escalated; False if another run did."""
        result = self._session.execute(
            update(care_alert)
            .where(
                care_alert.c.id == alert_id,
                care_alert.c.acknowledged_at.is_(None),
                care_alert.c.escalated_at.is_(None),
            )
            .values(escalated_at=at, escalated_to=to)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def list(self, *, open_only: bool, case_id: int | None = None) -> Sequence[Alert]:
        """Alerts, open ones only or all (unordered: the domain orders the inbox)."""
        query = select(care_alert)
        if open_only:
            query = query.where(care_alert.c.acknowledged_at.is_(None))
        if case_id is not None:
            query = query.where(care_alert.c.case_id == case_id)
        return [_alert(r) for r in self._session.execute(query)]

    def count_open(self) -> int:
        """How many alerts wait for acknowledgement (the header's count)."""
        query = select(func.count()).where(care_alert.c.acknowledged_at.is_(None))
        return int(self._session.execute(query).scalar_one())

    def acknowledge(self, alert_id: int, *, at: datetime, by: str, note: str) -> None:
        """Mark an open alert acknowledged; ``Conflict`` if it no longer is open."""
        result = self._session.execute(
            update(care_alert)
            .where(care_alert.c.id == alert_id, care_alert.c.acknowledged_at.is_(None))
            .values(acknowledged_at=at, acknowledged_by=by, acknowledgement_note=note)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"alert {alert_id} was already acknowledged")
