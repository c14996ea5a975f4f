"""Escalating urgent alerts nobody acknowledged, and queueing their notifications.

``escalate_overdue_alerts`` runs from the web app's background loop and from
``marrowscope alerts escalate`` (cron); both may run at once, so it is idempotent: the
store's update only matches an alert still open and not yet escalated, and the audit
entry is written only by the run whose update matched. It acts as ``SYSTEM``, the
name the audit log shows for what no person did.

``queue_notifications`` puts one pending delivery per (alert, event, channel) in the
outbox (``db.alert_delivery_tables``) in the same kind of idempotent way: the alert is
committed with its check-in, the deliveries follow on the next tick, so a crash in
between delays a notification but cannot lose it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from marrowscope.domain.alerts.escalation import NotifyEvent, due_for_escalation
from marrowscope.domain.alerts.model import Alert
from marrowscope.domain.audit import AuditAction
from marrowscope.services.alerts.care_team import StoreFactory, _store
from marrowscope.services.alerts.delivery import (
    SYSTEM,
    DeliveryReport,
    DeliveryStore,
    Notifier,
    deliver_pending,
    delivery_store,
)
from marrowscope.services.alerts.privacy import deliver_privacy_alerts, queue_privacy_alerts
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory, transactional

__all__ = [
    "EscalationPolicy",
    "TickReport",
    "escalate_overdue_alerts",
    "queue_notifications",
    "run_alert_duties",
]


@transactional
def escalate_overdue_alerts(
    uow: UnitOfWork,
    now: datetime | None = None,
    *,
    after: timedelta = timedelta(minutes=15),
    to: str = "on_call_haematologist",
    stores: StoreFactory | None = None,
) -> list[Alert]:
    """Escalate every urgent alert still open ``after`` its raising (audited, committed).

    Returns the alerts this call escalated (none when another run got there first).
    """
    moment = now or uow.now()
    store = _store(uow, stores)
    done: list[Alert] = []
    for alert in store.list(open_only=True):
        if not due_for_escalation(alert, moment, after):
            continue
        if not store.escalate(alert.id, at=moment, to=to):
            continue
        record_audit(
            uow,
            SYSTEM,
            "alert",
            alert.id,
            AuditAction.UPDATE,
            {"escalated_at": None, "escalated_to": ""},
            {
                "escalated_at": moment,
                "escalated_to": to,
                "waited_minutes": int((moment - alert.raised_at).total_seconds() // 60),
            },
            case_id=alert.case_id,
        )
        escalated = store.get(alert.id)
        if escalated is not None:
            done.append(escalated)
    uow.commit()
    return done


@transactional
def queue_notifications(
    uow: UnitOfWork,
    channels: Collection[str],
    *,
    stores: StoreFactory | None = None,
    deliveries: Callable[[Any], DeliveryStore] | None = None,
) -> int:
    """Queue what each open alert still needs: "raised" for every open one, "escalated"
    for the escalated ones, once per channel; returns how many were queued (audited)."""
    if not channels:
        return 0
    alerts = _store(uow, stores).list(open_only=True)
    outbox = delivery_store(uow, deliveries)
    queued = 0
    for alert in alerts:
        events = [NotifyEvent.RAISED]
        if alert.is_escalated:
            events.append(NotifyEvent.ESCALATED)
        for event in events:
            for channel in sorted(channels):
                if outbox.queue(alert.id, event, channel, at=uow.now()):
                    queued += 1
                    record_audit(
                        uow,
                        SYSTEM,
                        "alert_delivery",
                        f"{alert.id}/{event.value}/{channel}",
                        AuditAction.CREATE,
                        None,
                        {"alert_id": alert.id, "event": event, "channel": channel},
                        case_id=alert.case_id,
                    )
    uow.commit()
    return queued


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """When and to whom urgent alerts escalate, and the app's address for links;
    ``privacy_reason``: whether a break-glass alert carries the reason typed."""

    after: timedelta = timedelta(minutes=15)
    to: str = "on_call_haematologist"
    base_url: str = "http://127.0.0.1:8000"
    privacy_reason: bool = True


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one round of the alert duties did."""

    escalated: int
    queued: int
    delivery: DeliveryReport
    privacy_queued: int = 0  # break-glass alerts queued for the privacy officer
    privacy: DeliveryReport = DeliveryReport()


def run_alert_duties(
    uow_factory: UnitOfWorkFactory,
    policy: EscalationPolicy,
    channels: Mapping[str, Notifier],
    *,
    now: datetime | None = None,
    privacy: Mapping[str, Notifier] | None = None,
) -> TickReport:
    """One round: escalate what is overdue, queue what is missing, send what is due;
    then the same for break-glass grants on the ``privacy`` channels (``privacy.py``).

    The web app's background loop calls this every few seconds, and so does the CLI
    (``marrowscope alerts escalate``) from cron; each step is idempotent.
    """
    with uow_factory() as uow:
        escalated = escalate_overdue_alerts(uow, now, after=policy.after, to=policy.to)
    with uow_factory() as uow:
        queued = queue_notifications(uow, list(channels))
    report = deliver_pending(uow_factory, channels, base_url=policy.base_url)
    if not privacy:
        return TickReport(len(escalated), queued, report)
    with uow_factory() as uow:
        privacy_queued = queue_privacy_alerts(uow, list(privacy))
    privacy_report = deliver_privacy_alerts(
        uow_factory, privacy, base_url=policy.base_url, with_reason=policy.privacy_reason
    )
    return TickReport(len(escalated), queued, report, privacy_queued, privacy_report)
