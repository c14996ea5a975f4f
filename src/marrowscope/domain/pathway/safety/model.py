"""The facts a pre-procedure safety check works on, and the findings it returns.

Kept apart from the rules (``rules.py``) so that the pathway, the forms and the codecs
can name a plan, an assessment or a severity without loading the rule table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.tables import load_table

__all__ = [
    "Assessment",
    "ConsentBy",
    "Medication",
    "Plan",
    "Pregnancy",
    "SafetyFinding",
    "Sedation",
    "Severity",
    "overall",
]


_PLAUSIBLE = load_table("safety")["plausible"]


class Severity(StrEnum):
    """How a finding bears on going ahead."""

    STOP = "stop"  # do not start until resolved
    REVIEW = "review"  # the operator decides and records why
    NOTE = "note"  # for information

    @property
    def rank(self) -> int:
        return {"stop": 2, "review": 1, "note": 0}[self.value]


class Sedation(StrEnum):
    """Sedation planned or given."""

    LOCAL = "local"  # local anaesthetic only
    CONSCIOUS = "conscious"
    GENERAL = "general"


class Pregnancy(StrEnum):
    """Pregnancy status as asked before the procedure."""

    NOT_PREGNANT = "not_pregnant"
    PREGNANT = "pregnant"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class ConsentBy(StrEnum):
    """Who gave consent."""

    PATIENT = "patient"
    GUARDIAN = "guardian"  # a person with parental responsibility
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Medication:
    """An antithrombotic (or other) drug with when it was last taken."""

    drug: str  # key of [drugs.*] in safety.toml, or free text for other medicines
    last_dose_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What the procedure will use; allergies are checked against it."""

    planned_at: datetime
    sedation: Sedation = Sedation.LOCAL
    local_anaesthetic: str = "lidocaine"
    antiseptic: str = "chlorhexidine"
    sedatives: tuple[str, ...] = ()  # the agents of a sedation, as named (midazolam)
    latex_free: bool = False
    biopsy: bool = True

    def __post_init__(self) -> None:
        # a named sedative with "local anaesthetic only" is a plan at odds with itself: the
        # fasting and escort rules would not run for a patient who is to be sedated
        if self.sedation is Sedation.LOCAL and any(s.strip() for s in self.sedatives):
            raise InvalidInput(
                "sedatives: sedation is 'local anaesthetic only'; choose conscious or general "
                "sedation, or leave the sedative agent empty"
            )


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the nurse or operator found before the procedure."""

    assessed_at: datetime
    age_years: int
    sex: str
    allergies: tuple[str, ...] = ()
    pregnancy: Pregnancy = Pregnancy.NOT_APPLICABLE
    bleeding_disorder: str = ""  # free text; empty = none known
    platelets_per_nl: float | None = None  # x10^9/L
    platelets_at: datetime | None = None
    inr: float | None = None
    inr_at: datetime | None = None
    creatinine_clearance_ml_min: float | None = None
    medications: tuple[Medication, ...] = ()
    other_medications: tuple[str, ...] = ()
    last_solids_at: datetime | None = None
    last_clear_fluids_at: datetime | None = None
    driver_home: bool | None = None
    consent_by: ConsentBy = ConsentBy.NONE
    consent_signed_by: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.age_years <= 130:
            raise InvalidInput(f"age_years: {self.age_years} is not a possible age")
        if self.platelets_per_nl is not None and not 0 <= self.platelets_per_nl <= 5000:
            raise InvalidMeasurement(f"platelets: {self.platelets_per_nl} x10^9/L is impossible")
        if self.inr is not None and not 0.5 <= self.inr <= 20:
            raise InvalidMeasurement(f"inr: {self.inr} is outside what is possible (0.5-20)")
        crcl = self.creatinine_clearance_ml_min
        lowest, highest = (
            _PLAUSIBLE["creatinine_clearance_min_ml_min"],
            _PLAUSIBLE["creatinine_clearance_max_ml_min"],
        )
        if crcl is not None and not lowest <= crcl <= highest:
            raise InvalidMeasurement(
                f"creatinine_clearance_ml_min: {crcl:g} mL/min is not a possible clearance "
                f"({lowest:g}-{highest:g} mL/min)"
            )


@dataclass(frozen=True, slots=True)
class SafetyFinding:
    """One rule's outcome: what, how serious, and on whose authority."""

    rule: str
    severity: Severity
    message: str
    source: str
    details: dict[str, Any] = field(default_factory=dict)


def overall(findings: Sequence[SafetyFinding]) -> Severity | None:
    """The most serious severity among ``findings`` (None when there are none)."""
    if not findings:
        return None
    return max((f.severity for f in findings), key=lambda s: s.rank)
