"""Table and store of the critical-value call log (Alembic branch "quality").

Entries are only ever added: a call happened or it did not, and a wrong entry is
answered by a new one whose notes say so, as a paper call book is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, insert, select
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.quality import CriticalCall

__all__ = ["SqlCallLog", "critical_call"]

critical_call = Table(
    "critical_call",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=False, index=True),
    Column("called_at", UtcDateTime, nullable=False),
    Column("caller", String(64), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("read_back", Boolean, nullable=False),
    Column("critical_values", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)


def _call(row: Any) -> CriticalCall:
    return CriticalCall(
        id=row.id,
        case_id=row.case_id,
        called_at=row.called_at,
        caller=row.caller,
        recipient=row.recipient,
        read_back=bool(row.read_back),
        values=row.critical_values,
        notes=row.notes,
        recorded_at=row.recorded_at,
    )


class SqlCallLog:
    """The call log on one unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        case_id: int,
        *,
        called_at: datetime,
        caller: str,
        recipient: str,
        read_back: bool,
        values: str,
        notes: str,
        recorded_at: datetime,
    ) -> CriticalCall:
        """Append one entry; returns it with its id."""
        row = {
            "case_id": case_id, "called_at": called_at, "caller": caller,
            "recipient": recipient, "read_back": read_back, "critical_values": values,
            "notes": notes, "recorded_at": recorded_at,
        }  # fmt: skip
        new_id = self._session.execute(
            insert(critical_call).values(**row).returning(critical_call.c.id)
        ).scalar_one()
        return CriticalCall(
            int(new_id), case_id, called_at, caller, recipient, read_back, values, notes,
            recorded_at,
        )  # fmt: skip

    def for_case(self, case_id: int) -> Sequence[CriticalCall]:
        """The case's calls, in the order they were made."""
        query = (
            select(critical_call)
            .where(critical_call.c.case_id == case_id)
            .order_by(critical_call.c.called_at, critical_call.c.id)
        )
        return [_call(r) for r in self._session.execute(query)]

    def all_calls(self) -> Sequence[CriticalCall]:
        """Every call, oldest first (for the dashboard)."""
        query = select(critical_call).order_by(critical_call.c.called_at, critical_call.c.id)
        return [_call(r) for r in self._session.execute(query)]

    def confirmed_times(self, case_id: int) -> Sequence[datetime]:
        """When the case's calls with read-back were made (what release waits for)."""
        query = select(critical_call.c.called_at).where(
            critical_call.c.case_id == case_id, critical_call.c.read_back.is_(True)
        )
        return [r.called_at for r in self._session.execute(query)]
