"""Sending queued alert notifications through pluggable channels, with retries.

A channel is a ``Notifier`` (the adapters live in ``marrowscope.notify``: e-mail over
SMTP, a webhook for a paging system). ``deliver_pending`` works in three steps so that
no network call runs inside a database transaction (SQLite would hold its write lock
for as long as a mail server takes to answer):

1. claim the due deliveries in one committed unit (an acknowledged alert's pending
   deliveries are cancelled instead: nobody needs paging for what is done);
2. send each outside any transaction;
3. record each outcome in its own unit: sent, or still pending with the error and the
   next attempt after a backoff (``domain.alerts.escalation.retry_at``).

A channel that is down therefore leaves its delivery pending and the alert open in the
inbox; nothing is ever dropped. Each outcome is audited. Logs name ids and channels
only, never patient data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from marrowscope.domain.alerts.escalation import (
    Delivery,
    DeliveryStatus,
    Message,
    NotifyEvent,
    message_for,
    retry_at,
)
from marrowscope.domain.alerts.model import Alert
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.alerts.care_team import ALERT_ROLES, StoreFactory, _store
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import require_staff
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "SYSTEM",
    "DeliveryReport",
    "DeliveryStore",
    "FinishesDeliveries",
    "Notifier",
    "deliver_pending",
    "delivery_log",
    "delivery_store",
    "record_attempt",
]

_log = logging.getLogger("marrowscope.alerts")
_LEASE = timedelta(minutes=2)  # a claimed delivery is due again if its worker died
# Who the audit log names for the alert duties (no person acts; the admin role is the
# closest: it may not read the clinical inbox, and no one signs in as "system").
SYSTEM = Actor("system", Role.ADMIN)


class Notifier(Protocol):
    """One channel: sends a message or raises (any exception counts as a failed try)."""

    @property
    def name(self) -> str: ...

    def send(self, message: Message) -> None: ...


class DeliveryStore(Protocol):
    """The outbox (``db.alert_delivery_tables.SqlDeliveryStore``)."""

    def queue(self, alert_id: int, event: NotifyEvent, channel: str, *, at: datetime) -> bool: ...

    def due(self, now: datetime, *, limit: int = 50) -> Sequence[Delivery]: ...

    def claim(self, delivery: Delivery, *, until: datetime) -> bool: ...

    def finish(
        self,
        delivery_id: int,
        *,
        status: DeliveryStatus,
        attempts: int,
        error: str,
        next_attempt_at: datetime | None,
        sent_at: datetime | None,
    ) -> None: ...

    def for_alerts(self, alert_ids: Sequence[int]) -> Sequence[Delivery]: ...

    def alert_is_open(self, alert_id: int) -> bool: ...


DeliveryFactory = Callable[[Any], DeliveryStore]


def delivery_store(uow: UnitOfWork, factory: DeliveryFactory | None = None) -> DeliveryStore:
    """The outbox bound to ``uow``; the SQL store unless a test passes another."""
    if factory is None:
        from marrowscope.db.alert_delivery_tables import SqlDeliveryStore

        factory = SqlDeliveryStore
    return uow.bind(factory)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one round of sending did."""

    sent: int = 0
    failed: int = 0
    cancelled: int = 0


def _claim(
    uow: UnitOfWork, now: datetime, stores: StoreFactory | None, outbox: DeliveryStore
) -> tuple[list[tuple[Delivery, Alert]], int]:
    claimed: list[tuple[Delivery, Alert]] = []
    cancelled = 0
    alert_store = _store(uow, stores)
    for delivery in outbox.due(now):
        alert = alert_store.get(delivery.alert_id)
        if alert is None or not alert.is_open:
            outbox.finish(
                delivery.id,
                status=DeliveryStatus.CANCELLED,
                attempts=delivery.attempts,
                error="alert acknowledged before it was sent",
                next_attempt_at=None,
                sent_at=None,
            )
            cancelled += 1
        elif outbox.claim(delivery, until=now + _LEASE):
            claimed.append((delivery, alert))
    uow.commit()
    return claimed, cancelled


class FinishesDeliveries(Protocol):
    """What ``record_attempt`` needs of an outbox: to finish one delivery's attempt."""

    def finish(
        self,
        delivery_id: int,
        *,
        status: DeliveryStatus,
        attempts: int,
        error: str,
        next_attempt_at: datetime | None,
        sent_at: datetime | None,
    ) -> None: ...


def record_attempt(
    uow: UnitOfWork,
    outbox: FinishesDeliveries,
    delivery: Delivery,
    *,
    entity: str,
    case_id: int | None,
    error: str,
) -> None:
    """One attempt's outcome, for any outbox (care alerts, privacy alerts): sent, or
    pending with its next try on the retry schedule; audited under ``entity``, committed."""
    now = uow.now()
    attempts = delivery.attempts + 1
    status = DeliveryStatus.PENDING if error else DeliveryStatus.SENT
    outbox.finish(
        delivery.id,
        status=status,
        attempts=attempts,
        error=error,
        next_attempt_at=retry_at(attempts, now) if error else None,
        sent_at=None if error else now,
    )
    record_audit(
        uow,
        SYSTEM,
        entity,
        delivery.id,
        AuditAction.UPDATE,
        {"status": delivery.status, "attempts": delivery.attempts},
        {"status": status, "attempts": attempts, "error": error},
        case_id=case_id,
    )
    uow.commit()


def deliver_pending(
    uow_factory: UnitOfWorkFactory,
    channels: Mapping[str, Notifier],
    *,
    base_url: str,
    stores: StoreFactory | None = None,
    deliveries: DeliveryFactory | None = None,
) -> DeliveryReport:
    """Send every due delivery once; failures stay pending with their next attempt."""
    with uow_factory() as uow:
        claimed, cancelled = _claim(uow, uow.now(), stores, delivery_store(uow, deliveries))
    sent = failed = 0
    for delivery, alert in claimed:
        error = ""
        channel = channels.get(delivery.channel)
        try:
            if channel is None:
                raise LookupError(f"channel {delivery.channel} is not configured")
            channel.send(message_for(alert, delivery.event, base_url))
        except Exception as problem:  # any failure of a channel is one failed attempt
            error = f"{type(problem).__name__}: {problem}"[:500] or type(problem).__name__
            _log.warning(
                "alert %s %s via %s failed", alert.id, delivery.event.value, delivery.channel
            )
        with uow_factory() as uow:
            record_attempt(
                uow, delivery_store(uow, deliveries), delivery,
                entity="alert_delivery", case_id=alert.case_id, error=error,
            )  # fmt: skip
        sent, failed = (sent, failed + 1) if error else (sent + 1, failed)
    return DeliveryReport(sent=sent, failed=failed, cancelled=cancelled)


def delivery_log(
    uow: UnitOfWork,
    actor: Actor,
    alert_ids: Sequence[int],
    *,
    deliveries: DeliveryFactory | None = None,
) -> dict[int, list[Delivery]]:
    """The notifications of some alerts, by alert id (the inbox shows them to staff)."""
    require_staff(actor, ALERT_ROLES)
    log: dict[int, list[Delivery]] = {i: [] for i in alert_ids}
    for delivery in delivery_store(uow, deliveries).for_alerts(alert_ids):
        log.setdefault(delivery.alert_id, []).append(delivery)
    return log
