"""Alerts: an escalated check-in waiting for someone in the care team to act on it.

A check-in (the patient's own, or a call recorded by staff) is triaged by
``domain.aftercare.escalate``. An urgent or same-day result must reach a person who can
act, and stay in front of the team until one of them says what was done: that is an
alert. A routine result is read at the next contact and raises none.

An alert is acknowledged once, with a note of what was done; a second acknowledgement is
a ``Conflict`` (two nurses phoning the same patient would otherwise each think the other
had not).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from marrowscope.domain.errors import Conflict, InvalidInput
from marrowscope.domain.pathway.aftercare import Escalation, EscalationLevel

__all__ = [
    "ALERTING_LEVELS",
    "NOTE_MAX_CHARS",
    "Alert",
    "AlertSource",
    "NewAlert",
    "acknowledge",
    "alert_reason",
    "inbox_order",
    "level_words",
    "new_alert",
    "raises_alert",
    "source_words",
]

# Urgent: contact the team now; same day: call today (tables/aftercare.toml).
ALERTING_LEVELS = frozenset({EscalationLevel.URGENT, EscalationLevel.SAME_DAY})
NOTE_MAX_CHARS = 2000

_LEVEL_WORDS = {
    EscalationLevel.URGENT: "Urgent",
    EscalationLevel.SAME_DAY: "Same day",
    EscalationLevel.ROUTINE: "Routine",
    EscalationLevel.NONE: "Nothing reported",
}


class AlertSource(StrEnum):
    """Who reported what raised the alert."""

    PATIENT_CHECK_IN = "patient_check_in"  # the patient, through the portal or the API
    STAFF_CALL = "staff_call"  # a nurse or doctor recording a follow-up call


_SOURCE_WORDS = {
    AlertSource.PATIENT_CHECK_IN: "Patient check-in",
    AlertSource.STAFF_CALL: "Follow-up call",
}


def level_words(level: EscalationLevel | str) -> str:
    """The level as a person reads it ("Same day", not ``same_day``)."""
    return _LEVEL_WORDS[EscalationLevel(level)]


def source_words(source: AlertSource | str) -> str:
    """Where the alert came from, in words."""
    return _SOURCE_WORDS[AlertSource(source)]


def raises_alert(level: EscalationLevel | str) -> bool:
    """Whether a check-in at ``level`` must be put in front of the care team."""
    return EscalationLevel(level) in ALERTING_LEVELS


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert about to be stored (the store gives it an id)."""

    case_id: int
    patient_id: int
    record_id: int
    level: EscalationLevel
    reason: str
    source: AlertSource
    raised_at: datetime
    raised_by: str
    patient_phone: str = ""  # copied from the patient record: who to ring back
    patient_notes: str = ""  # the patient's own words from the check-in


@dataclass(frozen=True, slots=True)
class Alert:
    """A stored alert; open until acknowledged."""

    id: int
    case_id: int
    patient_id: int
    record_id: int
    level: EscalationLevel
    reason: str
    source: AlertSource
    raised_at: datetime
    raised_by: str
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledgement_note: str = ""
    patient_phone: str = ""
    patient_notes: str = ""
    escalated_at: datetime | None = None
    escalated_to: str = ""  # the role or on-call target it was escalated to

    @property
    def is_open(self) -> bool:
        """Still waiting for someone in the team to act."""
        return self.acknowledged_at is None

    @property
    def is_escalated(self) -> bool:
        """Not acknowledged in time, and passed on (``domain.alerts.escalation``)."""
        return self.escalated_at is not None


def alert_reason(escalation: Escalation, *, temperature_c: float | None = None) -> str:
    """One line saying why: the symptoms as the aftercare table words them.

    The measured temperature is added when it was given, because the triage reads
    "temperature of 38 C or higher" and the person phoning back wants the number.
    """
    parts = list(escalation.reasons)
    if temperature_c is not None:
        parts.append(f"measured temperature {temperature_c:g} °C")
    return "; ".join(parts) if parts else "no symptom named"


def new_alert(
    escalation: Escalation,
    *,
    case_id: int,
    patient_id: int,
    record_id: int,
    source: AlertSource,
    at: datetime,
    by: str,
    temperature_c: float | None = None,
    patient_phone: str = "",
    patient_notes: str = "",
) -> NewAlert | None:
    """The alert a triaged check-in raises, or None when it is routine."""
    if not raises_alert(escalation.level):
        return None
    return NewAlert(
        case_id=case_id,
        patient_id=patient_id,
        record_id=record_id,
        level=escalation.level,
        reason=alert_reason(escalation, temperature_c=temperature_c),
        source=source,
        raised_at=at,
        raised_by=by,
        patient_phone=patient_phone,
        patient_notes=patient_notes.strip(),
    )


def acknowledge(alert: Alert, *, by: str, at: datetime, note: str) -> Alert:
    """The alert acknowledged by ``by`` with a note of what was done."""
    text = note.strip()
    if not text:
        raise InvalidInput("note: say what was done (for example: phoned the patient)")
    if len(text) > NOTE_MAX_CHARS:
        raise InvalidInput(f"note: at most {NOTE_MAX_CHARS} characters")
    if not alert.is_open:
        raise Conflict(f"alert {alert.id} was already acknowledged by {alert.acknowledged_by}")
    return replace(alert, acknowledged_at=at, acknowledged_by=by, acknowledgement_note=text)


def inbox_order(alerts: Iterable[Alert]) -> list[Alert]:
    """Open before acknowledged; urgent before same day; then the longest waiting first.

    Acknowledged ones (``?state=all``) follow, most recently acknowledged first.
    """
    items = list(alerts)
    waiting = sorted(
        (a for a in items if a.is_open), key=lambda a: (-a.level.rank, a.raised_at, a.id)
    )
    done = sorted(
        (a for a in items if not a.is_open),
        key=lambda a: (a.acknowledged_at or a.raised_at, a.id),
        reverse=True,
    )
    return waiting + done
