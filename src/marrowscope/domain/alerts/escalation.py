"""Escalation of urgent alerts nobody acknowledged, and the notifications that carry them.

An urgent check-in (bleeding that does not stop, fever with neutropenia) that sits in
the inbox unread is as dangerous as one never raised. So an urgent alert still open
``after`` its raising (Settings ``alert_escalation_minutes``, default 15) is escalated
once to the next role (Settings ``alert_escalation_to``, default the on-call
haematologist). Same-day alerts do not escalate: they ask for a call today, not now.

Notifications leave through channels (e-mail, a paging webhook). Each (alert, event,
channel) is one delivery, retried with backoff until it is sent, so a channel that is
down delays a notification but never loses it; the alert itself stays open in the
inbox whatever the channels do. A message names the case, the level and the link,
never the symptoms or the patient: e-mail and pagers are not the clinical record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from marrowscope.domain.alerts.model import Alert, level_words
from marrowscope.domain.pathway.aftercare import EscalationLevel

__all__ = [
    "BACKOFF_FIRST",
    "BACKOFF_MAX",
    "Audience",
    "Delivery",
    "DeliveryStatus",
    "Message",
    "NotifyEvent",
    "audience_of",
    "due_for_escalation",
    "message_for",
    "retry_at",
]

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=30)
FAILING_AFTER_ATTEMPTS = 3  # shown to staff as failing; retries go on


class NotifyEvent(StrEnum):
    """Why a notification is sent."""

    RAISED = "raised"  # an urgent or same-day alert reached the inbox
    ESCALATED = "escalated"  # an urgent alert was not acknowledged in time
    BREAK_GLASS = "break_glass"  # someone opened a case outside their units (privacy)


class Audience(StrEnum):
    """Who a notification is for; each channel maps it to its own addresses."""

    CARE_TEAM = "care_team"
    ON_CALL = "on_call"
    PRIVACY = "privacy"  # the privacy officer: break-glass grants, never the care team


class DeliveryStatus(StrEnum):
    """Where one notification stands."""

    PENDING = "pending"  # not sent yet; retried at ``next_attempt_at``
    SENT = "sent"
    CANCELLED = "cancelled"  # the alert was acknowledged before it could be sent


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notification of one alert through one channel, with its attempts."""

    id: int
    alert_id: int
    event: NotifyEvent
    channel: str
    status: DeliveryStatus
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None

    @property
    def failing(self) -> bool:
        """Tried several times without success: someone should look at the channel."""
        return self.status is DeliveryStatus.PENDING and self.attempts >= FAILING_AFTER_ATTEMPTS


@dataclass(frozen=True, slots=True)
class Message:
    """What a channel sends: no symptom, no name; the case, the level and where to look."""

    alert_id: int
    case_id: int
    level: str
    event: NotifyEvent
    audience: Audience
    escalated_to: str
    subject: str
    text: str
    link: str
    # named values a machine reads (a webhook's JSON); a privacy alert's who, case and until
    facts: dict[str, str] = field(default_factory=dict)


def due_for_escalation(alert: Alert, now: datetime, after: timedelta) -> bool:
    """An urgent alert still open ``after`` its raising, not yet escalated."""
    return (
        alert.is_open
        and not alert.is_escalated
        and alert.level is EscalationLevel.URGENT
        and now - alert.raised_at >= after
    )


def audience_of(event: NotifyEvent) -> Audience:
    """Raised alerts go to the care team; escalations to the on-call target."""
    return Audience.ON_CALL if event is NotifyEvent.ESCALATED else Audience.CARE_TEAM


def retry_at(attempts: int, now: datetime) -> datetime:
    """When to try again after ``attempts`` failed tries: 30 s, 1 min, 2 min ... 30 min."""
    delay = BACKOFF_FIRST * (1 << min(max(0, attempts - 1), 16))
    return now + min(delay, BACKOFF_MAX)


def message_for(alert: Alert, event: NotifyEvent, base_url: str) -> Message:
    """The notification of ``alert`` for ``event``; ``base_url`` is the app's address."""
    level = level_words(alert.level)
    link = f"{base_url.rstrip('/')}/alerts#alert-{alert.id}"
    if event is NotifyEvent.ESCALATED:
        subject = f"ESCALATED: {level} alert on case {alert.case_id} not acknowledged"
        text = (
            f"An {level.lower()} alert on case {alert.case_id} has not been acknowledged in "
            f"time and is escalated to {alert.escalated_to or 'you'}.\n"
            f"Open it, act, and acknowledge it: {link}\n"
        )
    else:
        subject = f"{level} alert on case {alert.case_id}"
        text = (
            f"A patient check-in on case {alert.case_id} needs the care team "
            f"({level.lower()}).\nOpen it, act, and acknowledge it: {link}\n"
        )
    return Message(
        alert_id=alert.id,
        case_id=alert.case_id,
        level=alert.level.value,
        event=event,
        audience=audience_of(event),
        escalated_to=alert.escalated_to,
        subject=f"[marrowscope] {subject}",
        text=text,
        link=link,
    )
