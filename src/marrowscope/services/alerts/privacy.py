"""Break-glass grants sent to the privacy officer, through the care alerts' channels.

A grant (``services.cases.grant_break_glass``) is committed with its audit entry; its
alert follows on the next round of the alert duties, like a care alert's:

1. ``queue_privacy_alerts`` puts one pending delivery per (grant, channel) in the
   outbox (``db.access_delivery_tables``) for every grant of the last
   ``CATCH_UP`` not yet queued there, so a crash between the grant and the queueing
   delays the alert but cannot lose it, and a channel configured today does not
   flood the officer with last year's grants;
2. ``deliver_privacy_alerts`` claims the due rows in one committed unit, sends outside
   any transaction, and records each outcome in its own unit (audited): sent, or still
   pending with the error and the next try after the care alerts' backoff
   (``domain.alerts.escalation.retry_at``). Retries never stop.

The message is ``domain.alerts.privacy.privacy_message``: who, which case (its number,
never the patient's name), the reason, and the end of the access. Logs name ids and
channels only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from marrowscope.domain.alerts.escalation import Delivery, DeliveryStatus
from marrowscope.domain.alerts.privacy import privacy_message
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.access import BreakGlassGrant
from marrowscope.services.alerts.delivery import SYSTEM, DeliveryReport, Notifier, record_attempt
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory, transactional

__all__ = [
    "CATCH_UP",
    "PrivacyOutbox",
    "deliver_privacy_alerts",
    "queue_privacy_alerts",
]

_log = logging.getLogger("marrowscope.access")
_LEASE = timedelta(minutes=2)  # a claimed delivery is due again if its worker died
# How far back a round looks for grants not yet queued: far more than any gap between
# two rounds (the web loop's 30 s, a cron job's minute), far less than a site's history.
CATCH_UP = timedelta(hours=24)


class PrivacyOutbox(Protocol):
    """The outbox of grants (``db.access_delivery_tables.SqlPrivacyOutbox``)."""

    def unqueued(self, channel: str, since: datetime) -> Sequence[BreakGlassGrant]: ...

    def queue(self, grant_id: int, channel: str, *, at: datetime) -> None: ...

    def due(self, now: datetime, *, limit: int = 50) -> Sequence[Delivery]: ...

    def grant(self, grant_id: int) -> BreakGlassGrant | None: ...

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


OutboxFactory = Callable[[Any], PrivacyOutbox]


def _outbox(uow: UnitOfWork, factory: OutboxFactory | None) -> PrivacyOutbox:
    if factory is None:
        from marrowscope.db.access_delivery_tables import SqlPrivacyOutbox

        factory = SqlPrivacyOutbox
    return uow.bind(factory)


@transactional
def queue_privacy_alerts(
    uow: UnitOfWork, channels: Sequence[str], *, outbox: OutboxFactory | None = None
) -> int:
    """Queue each recent grant once per channel; returns how many were queued (audited)."""
    store = _outbox(uow, outbox)
    now = uow.now()
    queued = 0
    for channel in sorted(channels):
        for grant in store.unqueued(channel, now - CATCH_UP):
            store.queue(grant.id, channel, at=now)
            queued += 1
            record_audit(
                uow,
                SYSTEM,
                "break_glass_delivery",
                f"{grant.id}/{channel}",
                AuditAction.CREATE,
                None,
                {"grant_id": grant.id, "channel": channel},
                case_id=grant.case_id,
            )
    uow.commit()
    return queued


def _claim(uow: UnitOfWork, store: PrivacyOutbox) -> list[tuple[Delivery, BreakGlassGrant]]:
    now = uow.now()
    claimed = []
    for delivery in store.due(now):
        grant = store.grant(delivery.alert_id)
        if grant is not None and store.claim(delivery, until=now + _LEASE):
            claimed.append((delivery, grant))
    uow.commit()
    return claimed


def deliver_privacy_alerts(
    uow_factory: UnitOfWorkFactory,
    channels: Mapping[str, Notifier],
    *,
    base_url: str,
    with_reason: bool = True,
    outbox: OutboxFactory | None = None,
) -> DeliveryReport:
    """Send every due privacy alert once; failures stay pending with their next try."""
    with uow_factory() as uow:
        claimed = _claim(uow, _outbox(uow, outbox))
    sent = failed = 0
    for delivery, grant in claimed:
        error = ""
        channel = channels.get(delivery.channel)
        try:
            if channel is None:
                raise LookupError(f"channel {delivery.channel} is not configured")
            channel.send(privacy_message(grant, base_url, with_reason=with_reason))
        except Exception as problem:  # any failure of a channel is one failed attempt
            error = f"{type(problem).__name__}: {problem}"[:500] or type(problem).__name__
            _log.warning("break-glass grant %s via %s failed", grant.id, delivery.channel)
        with uow_factory() as uow:
            record_attempt(
                uow, _outbox(uow, outbox), delivery,
                entity="break_glass_delivery", case_id=grant.case_id, error=error,
            )  # fmt: skip
        sent, failed = (sent, failed + 1) if error else (sent + 1, failed)
    return DeliveryReport(sent=sent, failed=failed)
