"""What a patient is told the moment their check-in is sent, in their own words.

The triage (``aftercare.escalate``) works out a level and each symptom's advice and
stores both with the check-in. A patient who reports bleeding that will not stop must
read, at once, to call now or go to the emergency department, with the number to
ring: a green "thank you" would tell them the opposite. The portal page and the JSON
API both show this text, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.domain.pathway.aftercare import Escalation, EscalationLevel

__all__ = ["PatientAdvice", "patient_advice"]


@dataclass(frozen=True, slots=True)
class PatientAdvice:
    """The advice box: its level, a headline, what to do, and whether to go to A&E."""

    level: EscalationLevel
    headline: str
    steps: tuple[str, ...]
    emergency: bool
    phone: str

    @property
    def tone(self) -> str:
        """How the box looks: ``urgent`` (red), ``same-day`` (amber) or ``routine``."""
        return {
            EscalationLevel.URGENT: "urgent",
            EscalationLevel.SAME_DAY: "same-day",
        }.get(self.level, "routine")


def patient_advice(escalation: Escalation, phone: str) -> PatientAdvice:
    """The advice for a triaged check-in; ``phone`` is the care team's number."""
    on = f" on {phone}" if phone else ""
    level = escalation.level
    steps = tuple(dict.fromkeys(escalation.advice))  # two symptoms may share a line
    if level is EscalationLevel.URGENT:
        headline = (
            f"Call the care team now{on}. If you cannot reach them straight away, "
            "go to the emergency department now. Do not wait for a reply here."
        )
        return PatientAdvice(level, headline, steps, True, phone)
    if level is EscalationLevel.SAME_DAY:
        headline = (
            f"Call the care team today{on}. If you feel worse before you reach them, "
            "go to the emergency department."
        )
        return PatientAdvice(level, headline, steps, False, phone)
    headline = "Thank you. Your care team has your answers and will look at them."
    return PatientAdvice(EscalationLevel.ROUTINE, headline, steps, False, phone)
