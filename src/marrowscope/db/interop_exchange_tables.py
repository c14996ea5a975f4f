"""Every message that crossed the interface, raw, in or out (Alembic branch "interop").

Separate from ``interop_message`` (the filed-message index that finds repeats): a row
here is written before a message is read, so a message that cannot be parsed, or a
crash while filing, still leaves the message on record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
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
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.interop.exchange import Direction, Exchange, ExchangeStatus

__all__ = ["SqlExchangeLog", "interop_exchange"]

interop_exchange = Table(
    "interop_exchange",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("direction", String(3), nullable=False),
    Column("transport", String(16), nullable=False),
    Column("peer", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("control_id", String(200), nullable=False),
    Column("raw", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("error", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("processed_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("corrected_from", Integer, ForeignKey("interop_exchange.id"), nullable=True),
    Index("ix_interop_exchange_status", "status", "received_at"),
)

_FIELDS = (
    "direction",
    "transport",
    "peer",
    "kind",
    "control_id",
    "raw",
    "status",
    "error",
    "answer",
    "case_id",
    "received_at",
    "processed_at",
    "attempts",
    "corrected_from",
)


def _values(entry: Exchange) -> dict[str, Any]:
    values = {name: getattr(entry, name) for name in _FIELDS}
    values["direction"] = entry.direction.value
    values["status"] = entry.status.value
    values["peer"] = entry.peer[:200]
    values["kind"] = entry.kind[:64]
    values["control_id"] = entry.control_id[:200]
    return values


def _entry(row: Any) -> Exchange:
    m = row._mapping
    fields = {name: m[name] for name in _FIELDS}
    fields["direction"] = Direction(m["direction"])
    fields["status"] = ExchangeStatus(m["status"])
    return Exchange(id=m["id"], **fields)


class SqlExchangeLog:
    """``services.interop.ExchangeLog`` on the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, entry: Exchange) -> Exchange:
        new_id = self._session.execute(
            insert(interop_exchange).values(**_values(entry)).returning(interop_exchange.c.id)
        ).scalar_one()
        return replace(entry, id=int(new_id))

    def save(self, entry: Exchange) -> None:
        self._session.execute(
            update(interop_exchange)
            .where(interop_exchange.c.id == entry.id)
            .values(**_values(entry))
        )

    def get(self, exchange_id: int) -> Exchange | None:
        row = self._session.execute(
            select(interop_exchange).where(interop_exchange.c.id == exchange_id)
        ).first()
        return _entry(row) if row is not None else None

    def with_status(self, statuses: Iterable[ExchangeStatus], limit: int = 200) -> list[Exchange]:
        rows = self._session.execute(
            select(interop_exchange)
            .where(interop_exchange.c.status.in_([s.value for s in statuses]))
            .order_by(interop_exchange.c.id)
            .limit(limit)
        )
        return [_entry(r) for r in rows]

    def recent(self, limit: int = 100) -> list[Exchange]:
        rows = self._session.execute(
            select(interop_exchange).order_by(interop_exchange.c.id.desc()).limit(limit)
        )
        return [_entry(r) for r in rows]

    def delete_before(self, moment: datetime, keep: Iterable[ExchangeStatus]) -> int:
        kept = [s.value for s in keep]
        # a corrected copy points at its original: the copy goes first, or with it
        old = select(interop_exchange.c.id).where(
            interop_exchange.c.received_at < moment, interop_exchange.c.status.not_in(kept)
        )
        self._session.execute(
            update(interop_exchange)
            .where(interop_exchange.c.corrected_from.in_(old))
            .values(corrected_from=None)
        )
        result = self._session.execute(
            delete(interop_exchange).where(
                interop_exchange.c.received_at < moment, interop_exchange.c.status.not_in(kept)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
