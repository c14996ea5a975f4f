"""The outbox of break-glass privacy alerts (branch "audit", revision ``audit_0003``).

One row per (grant, channel), unique, so queueing twice is harmless; the same claim
and retry columns as the care alerts' ``alert_delivery``, kept apart because that
outbox is keyed on care alerts and a grant is not one. Rows are read back as
``domain.alerts.escalation.Delivery`` whose ``alert_id`` is the grant's id.
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
    UniqueConstraint,
    and_,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from marrowscope.db.access_tables import _grant, break_glass_grant
from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.alerts.escalation import Delivery, DeliveryStatus, NotifyEvent
from marrowscope.domain.cases.access import BreakGlassGrant

__all__ = ["SqlPrivacyOutbox", "break_glass_delivery"]

break_glass_delivery = Table(
    "break_glass_delivery",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("grant_id", Integer, ForeignKey("break_glass_grant.id"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    UniqueConstraint("grant_id", "channel", name="uq_break_glass_delivery_once"),
    Index("ix_break_glass_delivery_due", "status", "next_attempt_at"),
)

_T = break_glass_delivery.c


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        alert_id=row.grant_id,
        event=NotifyEvent.BREAK_GLASS,
        channel=row.channel,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error or "",
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
    )


class SqlPrivacyOutbox:
    """``services.alerts.privacy.PrivacyOutbox`` on one unit's session (``uow.bind``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def unqueued(self, channel: str, since: datetime) -> Sequence[BreakGlassGrant]:
        """Grants given at or after ``since`` with no delivery on ``channel`` yet."""
        query = (
            select(break_glass_grant)
            .outerjoin(
                break_glass_delivery,
                and_(_T.grant_id == break_glass_grant.c.id, _T.channel == channel),
            )
            .where(break_glass_grant.c.granted_at >= since, _T.id.is_(None))
            .order_by(break_glass_grant.c.id)
        )
        return [_grant(r) for r in self._session.execute(query)]

    def queue(self, grant_id: int, channel: str, *, at: datetime) -> None:
        """A pending delivery of a grant on a channel (``unqueued`` said it has none)."""
        self._session.execute(
            insert(break_glass_delivery).values(
                grant_id=grant_id,
                channel=channel,
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                last_error="",
                created_at=at,
                next_attempt_at=at,
            )
        )

    def due(self, now: datetime, *, limit: int = 50) -> Sequence[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        query = (
            select(break_glass_delivery)
            .where(_T.status == DeliveryStatus.PENDING.value, _T.next_attempt_at <= now)
            .order_by(_T.next_attempt_at, _T.id)
            .limit(limit)
        )
        return [_delivery(r) for r in self._session.execute(query)]

    def grant(self, grant_id: int) -> BreakGlassGrant | None:
        """The grant a delivery announces."""
        row = self._session.execute(
            select(break_glass_grant).where(break_glass_grant.c.id == grant_id)
        ).first()
        return None if row is None else _grant(row)

    def claim(self, delivery: Delivery, *, until: datetime) -> bool:
        """Push a due delivery's next attempt to ``until``; False if another worker did."""
        result = self._session.execute(
            update(break_glass_delivery)
            .where(
                _T.id == delivery.id,
                _T.status == DeliveryStatus.PENDING.value,
                _T.next_attempt_at == delivery.next_attempt_at,
            )
            .values(next_attempt_at=until)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def finish(
        self,
        delivery_id: int,
        *,
        status: DeliveryStatus,
        attempts: int,
        error: str,
        next_attempt_at: datetime | None,
        sent_at: datetime | None,
    ) -> None:
        """Record the outcome of an attempt."""
        self._session.execute(
            update(break_glass_delivery)
            .where(_T.id == delivery_id)
            .values(
                status=status.value,
                attempts=attempts,
                last_error=error,
                next_attempt_at=next_attempt_at,
                sent_at=sent_at,
            )
        )

    def for_grants(self, grant_ids: Sequence[int]) -> Sequence[Delivery]:
        """The deliveries of some grants, in creation order (the review list shows them)."""
        if not grant_ids:
            return []
        query = select(break_glass_delivery).where(_T.grant_id.in_(list(grant_ids))).order_by(_T.id)
        return [_delivery(r) for r in self._session.execute(query)]
