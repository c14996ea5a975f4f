"""The outbox of alert notifications (branch "alerts", revision ``alerts_0002``).

One row per (alert, event, channel), unique, so queueing twice is harmless. A row is
claimed before it is sent by pushing its ``next_attempt_at`` forward in a committed
update that only matches the value read: two workers (the web app's loop and a cron
job) cannot both claim it, and a worker that dies mid-send leaves it due again later.
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
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from marrowscope.db.alert_tables import care_alert
from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.alerts.escalation import Delivery, DeliveryStatus, NotifyEvent

__all__ = ["SqlDeliveryStore", "alert_delivery"]

alert_delivery = Table(
    "alert_delivery",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("care_alert.id"), nullable=False),
    Column("event", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    UniqueConstraint("alert_id", "event", "channel", name="uq_alert_delivery_once"),
    Index("ix_alert_delivery_due", "status", "next_attempt_at"),
)


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        alert_id=row.alert_id,
        event=NotifyEvent(row.event),
        channel=row.channel,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error or "",
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
    )


class SqlDeliveryStore:
    """Deliveries on one unit of work's session (``uow.bind(SqlDeliveryStore)``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def queue(self, alert_id: int, event: NotifyEvent, channel: str, *, at: datetime) -> bool:
        """Add a pending delivery unless one exists for (alert, event, channel)."""
        found = self._session.execute(
            select(alert_delivery.c.id).where(
                alert_delivery.c.alert_id == alert_id,
                alert_delivery.c.event == event.value,
                alert_delivery.c.channel == channel,
            )
        ).first()
        if found is not None:
            return False
        self._session.execute(
            insert(alert_delivery).values(
                alert_id=alert_id,
                event=event.value,
                channel=channel,
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                last_error="",
                created_at=at,
                next_attempt_at=at,
            )
        )
        return True

    def due(self, now: datetime, *, limit: int = 50) -> Sequence[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        query = (
            select(alert_delivery)
            .where(
                alert_delivery.c.status == DeliveryStatus.PENDING.value,
                alert_delivery.c.next_attempt_at <= now,
            )
            .order_by(alert_delivery.c.next_attempt_at, alert_delivery.c.id)
            .limit(limit)
        )
        return [_delivery(r) for r in self._session.execute(query)]

    def claim(self, delivery: Delivery, *, until: datetime) -> bool:
        """Push a due delivery's next attempt to ``until``; False if another worker did."""
        result = self._session.execute(
            update(alert_delivery)
            .where(
                alert_delivery.c.id == delivery.id,
                alert_delivery.c.status == DeliveryStatus.PENDING.value,
                alert_delivery.c.next_attempt_at == delivery.next_attempt_at,
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
            update(alert_delivery)
            .where(alert_delivery.c.id == delivery_id)
            .values(
                status=status.value,
                attempts=attempts,
                last_error=error,
                next_attempt_at=next_attempt_at,
                sent_at=sent_at,
            )
        )

    def for_alerts(self, alert_ids: Sequence[int]) -> Sequence[Delivery]:
        """The delivery log of some alerts (the inbox shows it), in creation order."""
        if not alert_ids:
            return []
        query = (
            select(alert_delivery)
            .where(alert_delivery.c.alert_id.in_(list(alert_ids)))
            .order_by(alert_delivery.c.id)
        )
        return [_delivery(r) for r in self._session.execute(query)]

    def alert_is_open(self, alert_id: int) -> bool:
        """Whether the alert still waits (an acknowledged one needs no notification)."""
        row = self._session.execute(
            select(care_alert.c.acknowledged_at).where(care_alert.c.id == alert_id)
        ).first()
        return row is not None and row.acknowledged_at is None
