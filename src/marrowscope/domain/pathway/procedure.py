"""The procedure record: who, where, how, when, what was obtained, and what went wrong.

Checks encode the rules of the procedure: the sternum gives an aspirate only, the tibia
is for infants only, the time-out comes before the start, the aspirate is taken before
the trephine biopsy, and a core length must be possible (``tables/procedure.toml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from marrowscope.domain.errors import InvalidInput, InvalidMeasurement, NotAllowed
from marrowscope.domain.pathway.safety import Sedation
from marrowscope.domain.pathway.vitals import VitalAlert, VitalSign, check_vital, make_vital
from marrowscope.domain.tables import load_table

__all__ = [
    "Complication",
    "ProcedureRecord",
    "ProcedureWarning",
    "Side",
    "Site",
    "is_full_name",
    "validate_procedure",
]

_T = load_table("procedure")


class Site(StrEnum):
    """Where the needle goes."""

    POSTERIOR_ILIAC_CREST = "posterior_iliac_crest"
    ANTERIOR_ILIAC_CREST = "anterior_iliac_crest"
    STERNUM = "sternum"
    TIBIA = "tibia"


class Side(StrEnum):
    """Which side (the sternum is midline)."""

    LEFT = "left"
    RIGHT = "right"
    MIDLINE = "midline"


class Complication(StrEnum):
    """Complications recorded during or right after the procedure."""

    BLEEDING = "bleeding"
    HAEMATOMA = "haematoma"
    VASOVAGAL = "vasovagal"
    PAIN_UNCONTROLLED = "pain_uncontrolled"
    ALLERGIC_REACTION = "allergic_reaction"
    OVERSEDATION = "oversedation"
    NEEDLE_BREAKAGE = "needle_breakage"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ProcedureRecord:
    """What happened at the bedside."""

    operator: str
    site: Site
    side: Side
    sedation: Sedation
    time_out_at: datetime
    started_at: datetime
    ended_at: datetime
    aspirate_at: datetime | None = None  # None: no aspirate attempted
    dry_tap: bool = False
    biopsy_at: datetime | None = None  # None: no trephine
    core_length_mm: float | None = None
    vitals: tuple[VitalSign, ...] = ()
    complications: tuple[Complication, ...] = ()
    complication_notes: str = ""
    observation_minutes: int = 0
    assistant: str = ""
    notes: str = ""

    @property
    def alerts(self) -> list[VitalAlert]:
        """Vital signs outside their normal band, in time order."""
        found = (check_vital(v) for v in sorted(self.vitals, key=lambda v: v.at))
        return [a for a in found if a is not None]


@dataclass(frozen=True, slots=True)
class ProcedureWarning:
    """A record that is acceptable but worth a note (short core, short observation)."""

    code: str
    message: str
    source: str = ""
    details: dict[str, float] = field(default_factory=dict)


def validate_procedure(
    record: ProcedureRecord, *, patient_age_months: int
) -> list[ProcedureWarning]:
    """Refuse an impossible or forbidden record; return warnings for a doubtful one."""
    site = _T["sites"][record.site.value]
    if record.side.value not in site["sides"]:
        raise InvalidInput(f"side: {record.site.value} allows {', '.join(site['sides'])}")
    if "max_age_months" in site and patient_age_months > site["max_age_months"]:
        raise NotAllowed(
            f"site: {site['name']} is for infants up to {site['max_age_months']} months "
            f"({site['source']})"
        )
    if record.biopsy_at is not None and not site["biopsy_allowed"]:
        raise NotAllowed(
            f"site: no trephine biopsy from the {record.site.value} ({site['source']})"
        )
    for v in record.vitals:  # a hand-built VitalSign must pass the same plausibility check
        make_vital(v.at, v.sign, v.value)
    if not record.operator.strip():
        raise InvalidInput("operator: required")
    if not record.time_out_at <= record.started_at <= record.ended_at:
        raise InvalidInput(
            "times: the time-out must come before the start, the start before the end"
        )
    for label, at in (("aspirate_at", record.aspirate_at), ("biopsy_at", record.biopsy_at)):
        if at is not None and not record.started_at <= at <= record.ended_at:
            raise InvalidInput(f"{label}: must lie between the start and the end")
    if (
        record.aspirate_at is not None
        and record.biopsy_at is not None
        and record.biopsy_at < record.aspirate_at
    ):
        raise NotAllowed(
            "order: the aspirate is taken before the trephine biopsy "
            "(a biopsy first leaves a clotted, haemodiluted aspirate)"
        )
    if record.dry_tap and record.aspirate_at is None:
        raise InvalidInput("dry_tap: a dry tap needs the time of the aspiration attempt")
    core = _T["core"]
    if record.biopsy_at is None and record.core_length_mm is not None:
        raise InvalidInput("core_length_mm: no biopsy was recorded")
    if record.biopsy_at is not None and record.core_length_mm is None:
        raise InvalidInput("core_length_mm: required when a biopsy was taken")
    warnings: list[ProcedureWarning] = []
    if record.core_length_mm is not None:
        if not 0 < record.core_length_mm <= core["max_length_mm"]:
            raise InvalidMeasurement(
                f"core_length_mm: {record.core_length_mm:g} mm is not possible "
                f"(0-{core['max_length_mm']:g} mm)"
            )
        if record.core_length_mm < core["adequate_length_mm"]:
            warnings.append(
                ProcedureWarning(
                    "core.short",
                    f"Core {record.core_length_mm:g} mm is shorter than "
                    f"{core['adequate_length_mm']:g} mm and may be inadequate",
                    core["source"],
                    {"core_length_mm": record.core_length_mm},
                )
            )
    if record.dry_tap:
        warnings.append(
            ProcedureWarning(
                "dry_tap",
                "Dry tap: make touch imprints of the core and consider a fresh core for "
                "flow cytometry / cytogenetics",
                "ICSH 2008 (Int J Lab Hematol 30:349)",
            )
        )
    obs = _T["observation"]
    minimum = obs["minutes_local"] if record.sedation is Sedation.LOCAL else obs["minutes_sedation"]
    if record.observation_minutes < 0:
        raise InvalidInput("observation_minutes: cannot be negative")
    if record.observation_minutes < minimum:
        warnings.append(
            ProcedureWarning(
                "observation.short",
                f"Observed {record.observation_minutes} min, less than the {minimum} min minimum",
                obs["source"],
            )
        )
    for alert in record.alerts:
        warnings.append(ProcedureWarning(f"vital.{alert.level.value}", alert.message, alert.source))
    return warnings


def complications_from(values: Sequence[str]) -> tuple[Complication, ...]:
    """Parse complication names, naming the bad one."""
    out = []
    for v in values:
        try:
            out.append(Complication(v))
        except ValueError:
            raise InvalidInput(f"complications: unknown {v!r}") from None
    return tuple(out)


def is_full_name(text: str) -> bool:
    """At least two words with a letter each (given and family name), not a user name:
    the procedure record names the person who did it, as a reader of the notes would
    know them, not an account."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return len(words) >= 2 and "@" not in text
