"""Tables and store for slide counts of the differential counter (Alembic branch "auth").

The newest state of each slide lives in ``slide_counts``; every edit of a saved count
copies the state it replaces into ``slide_count_history`` with the reason, so nothing
counted is lost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.counting.slide_counts import CountStatus, SlideCount
from marrowscope.domain.counting.taxonomy import CellClass

__all__ = ["SqlSlideCountStore", "slide_count_history", "slide_counts"]

slide_counts = Table(
    "slide_counts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=False, index=True),
    Column("slide_label", String(40), nullable=False),
    Column("counts_json", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("target", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("counted_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("case_id", "slide_label"),
)

slide_count_history = Table(
    "slide_count_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("count_id", Integer, ForeignKey("slide_counts.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("counts_json", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("replaced_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("replaced_at", UtcDateTime, nullable=False),
)


def _dump(counts: Mapping[CellClass, int]) -> str:
    return json.dumps({c.value: n for c, n in sorted(counts.items())})


def _row(row: Any) -> SlideCount:
    return SlideCount(
        id=row.id,
        case_id=row.case_id,
        slide_label=row.slide_label,
        counts={CellClass(k): int(v) for k, v in json.loads(row.counts_json).items()},
        version=row.version,
        target=row.target,
        status=CountStatus(row.status),
        counted_by=row.counted_by,
        updated_at=row.updated_at,
    )


class SqlSlideCountStore:
    """``services.counting.SlideCountStore`` inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, case_id: int, slide_label: str, target: int, counted_by: str) -> SlideCount:
        conn = self._session
        result = conn.execute(
            insert(slide_counts)
            .values(
                case_id=case_id,
                slide_label=slide_label,
                counts_json="{}",
                version=0,
                target=target,
                status=CountStatus.COUNTING.value,
                counted_by=counted_by,
                updated_at=datetime.now(UTC),
            )
            .returning(slide_counts.c.id)
        )
        new_id = result.scalar_one()
        row = conn.execute(select(slide_counts).where(slide_counts.c.id == new_id)).one()
        return _row(row)

    def get(self, count_id: int) -> SlideCount | None:
        conn = self._session
        row = conn.execute(select(slide_counts).where(slide_counts.c.id == count_id)).first()
        return None if row is None else _row(row)

    def get_for_update(self, count_id: int) -> SlideCount | None:
        """The count, with its row locked until the unit of work ends.

        A no-op UPDATE first: on PostgreSQL it takes the row lock (as SELECT ... FOR
        UPDATE would); on SQLite it takes the write lock at the start of the
        transaction, so the later write never has to upgrade a read lock, which SQLite
        refuses ("database is locked") when another writer committed in between.
        """
        conn = self._session
        conn.execute(
            update(slide_counts)
            .where(slide_counts.c.id == count_id)
            .values(version=slide_counts.c.version)
        )
        return self.get(count_id)

    def many_for_update(self, count_ids: Sequence[int]) -> dict[int, SlideCount]:
        """Several counts by id, locked until the unit of work ends, in one statement
        whatever their number (the counter's group commit).

        ``SELECT ... FOR UPDATE`` (ids in order, so two writers lock in the same order):
        on PostgreSQL it locks the rows without writing a new version of each, as the
        no-op UPDATE of :meth:`get_for_update` would (twice the WAL and dead tuples at
        a few hundred saves a second). SQLite has no row locks and no FOR UPDATE; there
        the unit's ``BEGIN IMMEDIATE`` already holds the database's write lock.
        """
        if not count_ids:
            return {}
        locked = self._session.execute(
            select(slide_counts)
            .where(slide_counts.c.id.in_(sorted(set(count_ids))))
            .order_by(slide_counts.c.id)
            .with_for_update()
        )
        return {row.id: _row(row) for row in locked.all()}

    def save_drafts(self, states: Sequence[SlideCount]) -> None:
        """Store each state over an older version, in one executemany.

        The caller holds the rows locked (:meth:`many_for_update`), so what it passes is
        what is stored; the version guard still makes a stale state a no-op.
        """
        if not states:
            return
        self._session.execute(
            update(slide_counts)
            .where(
                slide_counts.c.id == bindparam("b_id"),
                slide_counts.c.version < bindparam("b_version"),
            )
            .values(
                counts_json=bindparam("b_counts"),
                version=bindparam("b_version"),
                status=bindparam("b_status"),
                counted_by=bindparam("b_by"),
                updated_at=bindparam("b_at"),
            ),
            [
                {
                    "b_id": state.id,
                    "b_version": state.version,
                    "b_counts": _dump(state.counts),
                    "b_status": state.status.value,
                    "b_by": state.counted_by,
                    "b_at": state.updated_at,
                }
                for state in states
            ],
        )

    def for_case(self, case_id: int) -> Sequence[SlideCount]:
        conn = self._session
        rows = conn.execute(
            select(slide_counts)
            .where(slide_counts.c.case_id == case_id)
            .order_by(slide_counts.c.id)
        ).all()
        return [_row(r) for r in rows]

    def save_state(
        self,
        count_id: int,
        counts: Mapping[CellClass, int],
        version: int,
        status: CountStatus,
        by: str,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> SlideCount:
        now = at or datetime.now(UTC)
        conn = self._session
        if reason is not None:
            old = conn.execute(select(slide_counts).where(slide_counts.c.id == count_id)).one()
            conn.execute(
                insert(slide_count_history).values(
                    count_id=count_id,
                    version=old.version,
                    counts_json=old.counts_json,
                    status=old.status,
                    replaced_by=by,
                    reason=reason,
                    replaced_at=now,
                )
            )
        # The version guard in WHERE makes a late or repeated request a no-op,
        # even when two requests race.
        conn.execute(
            update(slide_counts)
            .where(slide_counts.c.id == count_id, slide_counts.c.version < version)
            .values(
                counts_json=_dump(counts),
                version=version,
                status=status.value,
                counted_by=by,
                updated_at=now,
            )
        )
        row = conn.execute(select(slide_counts).where(slide_counts.c.id == count_id)).one()
        return _row(row)

    def history(self, count_id: int) -> list[dict[str, Any]]:
        """Earlier states of a saved count, oldest first."""
        conn = self._session
        rows = conn.execute(
            select(slide_count_history)
            .where(slide_count_history.c.count_id == count_id)
            .order_by(slide_count_history.c.id)
        ).all()
        return [dict(r._mapping) for r in rows]
