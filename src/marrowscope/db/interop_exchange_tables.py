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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.errors import Conflict
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
    Column("report_version", Integer, nullable=True),  # interop_0004: outbound results
    Index("ix_interop_exchange_status", "status", "received_at"),
    # one message per signed version and destination, even with two senders at once
    # (inbound rows hold NULL, which a unique index never counts as equal)
    Index("uq_interop_exchange_report", "peer", "case_id", "report_version", unique=True),
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
    "report_version",
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
        try:
            with self._session.begin_nested():
                new_id = self._session.execute(
                    insert(interop_exchange)
                    .values(**_values(entry))
                    .returning(interop_exchange.c.id)
                ).scalar_one()
        except IntegrityError as error:  # another sender queued this version meanwhile
            raise Conflict(
                f"case {entry.case_id}, report version {entry.report_version} is already "
                f"in the message log for {entry.peer or 'this destination'}"
            ) from error
        return replace(entry, id=int(new_id))

    def claim(
        self, exchange_id: int, at: datetime, expected: ExchangeStatus = ExchangeStatus.QUEUED
    ) -> bool:
        """Take a message (``expected``: queued, or failed unanswered) for sending; False
        when another sender took it first (one conditional UPDATE: only one can win)."""
        result = self._session.execute(
            update(interop_exchange)
            .where(
                interop_exchange.c.id == exchange_id,
                interop_exchange.c.status == expected.value,
            )
            .values(status=ExchangeStatus.SENDING.value, processed_at=at)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    def release_stale(self, before: datetime) -> int:
        """Queue again what a sender took before ``before`` and never finished (it
        stopped or crashed mid-delivery); returns how many."""
        result = self._session.execute(
            update(interop_exchange)
            .where(
                interop_exchange.c.status == ExchangeStatus.SENDING.value,
                interop_exchange.c.processed_at < before,
            )
            .values(status=ExchangeStatus.QUEUED.value)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def for_report(self, destination: str, case_id: int, version: int) -> Exchange | None:
        """The outbound message that carries this report version to ``destination`` (or
        to no destination yet: the next delivery takes that one there)."""
        row = self._session.execute(
            select(interop_exchange).where(
                interop_exchange.c.direction == Direction.OUT.value,
                interop_exchange.c.peer.in_([destination[:200], ""]),
                interop_exchange.c.case_id == case_id,
                interop_exchange.c.report_version == version,
            )
        ).first()
        return _entry(row) if row is not None else None

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
