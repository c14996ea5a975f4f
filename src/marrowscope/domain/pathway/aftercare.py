"""Aftercare instructions and follow-up check-ins that escalate worrying symptoms.

Each symptom has a level in ``tables/aftercare.toml``: urgent (contact the team now),
same day, or routine. Fever becomes urgent when the last count showed neutropenia,
because neutropenic sepsis can kill within hours (NICE CG151).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.pathway.safety import Sedation
from marrowscope.domain.tables import load_table

__all__ = [
    "CheckIn",
    "Escalation",
    "EscalationLevel",
    "SYMPTOMS",
    "SYMPTOM_LABELS",
    "aftercare_instructions",
    "escalate",
]

_T = load_table("aftercare")
SYMPTOMS: tuple[str, ...] = tuple(_T["symptoms"])
# The table's plain words for each symptom code, for forms and lists people read.
SYMPTOM_LABELS: dict[str, str] = {s: _T["symptoms"][s]["label"] for s in SYMPTOMS}


class EscalationLevel(StrEnum):
    """How quickly the care team must act."""

    NONE = "none"
    ROUTINE = "routine"
    SAME_DAY = "same_day"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return ["none", "routine", "same_day", "urgent"].index(self.value)


def aftercare_instructions(sedation: Sedation, *, on_anticoagulant: bool = False) -> list[str]:
    """Plain-language instructions for the patient after the procedure."""
    rows = _T["instructions"]
    lines = list(rows["general"])
    if sedation != Sedation.LOCAL:
        lines += rows["sedation"]
    if on_anticoagulant:
        lines += rows["anticoagulant"]
    lines += [
        f"Call the team at once if you notice: {_T['symptoms'][s]['label'].lower()}."
        for s in SYMPTOMS
        if _T["symptoms"][s]["level"] == "urgent"
    ]
    return lines


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A follow-up contact: when, how, which symptoms, what temperature."""

    at: datetime
    symptoms: tuple[str, ...]
    temperature_c: float | None = None
    contacted_by: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Escalation:
    """What the check-in asks of the care team."""

    level: EscalationLevel
    reasons: tuple[str, ...]
    advice: tuple[str, ...]
    sources: tuple[str, ...]


def escalate(check_in: CheckIn, *, neutrophils_per_nl: float | None) -> Escalation:
    """The highest level among the symptoms; a measured temperature >= 38 C counts as fever."""
    unknown = [s for s in check_in.symptoms if s not in _T["symptoms"]]
    if unknown:
        raise InvalidInput(f"symptoms: unknown {', '.join(unknown)} (known: {', '.join(SYMPTOMS)})")
    symptoms = list(dict.fromkeys(check_in.symptoms))
    if check_in.temperature_c is not None:
        if not 25.0 <= check_in.temperature_c <= 45.0:
            raise InvalidMeasurement(f"temperature_c: {check_in.temperature_c} is not possible")
        if check_in.temperature_c >= 38.0 and "fever" not in symptoms:
            symptoms.append("fever")
    neutropenic = (
        neutrophils_per_nl is not None
        and neutrophils_per_nl < _T["follow_up"]["neutropenia_below_per_nl"]
    )
    level = EscalationLevel.NONE
    reasons, advice, sources = [], [], []
    for s in symptoms:
        row = _T["symptoms"][s]
        lvl = EscalationLevel(row["level"])
        if s == "fever" and neutropenic:
            lvl = EscalationLevel(row["level_if_neutropenic"])
            reasons.append(f"{row['label']} with neutrophils {neutrophils_per_nl:g} x10^9/L")
        else:
            reasons.append(row["label"])
        advice.append(row["advice"])
        sources.append(row["source"])
        if lvl.rank > level.rank:
            level = lvl
    return Escalation(level, tuple(reasons), tuple(advice), tuple(sources))


def escalation_level_of(items: Iterable[Escalation]) -> EscalationLevel:
    """The highest level among several check-ins."""
    best = EscalationLevel.NONE
    for e in items:
        if e.level.rank > best.rank:
            best = e.level
    return best
