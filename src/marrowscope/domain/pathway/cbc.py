"""The complete blood count: values with units, converted, checked and compared with
adult reference intervals.

Units are converted to one canonical unit per analyte (``tables/cbc_reference.toml``)
so that rules never compare g/dL with g/L. A value outside physiological possibility
or in a unit the table does not know is refused with ``InvalidMeasurement`` naming the
field: such a value is a typing or unit error, not a finding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from marrowscope.domain.cases.model import Sex
from marrowscope.domain.errors import InvalidMeasurement
from marrowscope.domain.tables import load_table

__all__ = [
    "ANALYTES",
    "AnalyteInfo",
    "BloodCount",
    "CbcFlag",
    "Direction",
    "analyte_info",
    "evaluate",
    "parse_blood_count",
    "to_canonical",
]


class Direction(StrEnum):
    """Where a value lies against its reference interval."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class AnalyteInfo:
    """One analyte's row of the reference table."""

    key: str
    name: str
    unit: str
    units: Mapping[str, float]
    possible: tuple[float, float]
    intervals: Mapping[str, tuple[float, float]]
    source: str
    loinc: str = ""  # LOINC code of the analyte (for FHIR / HL7 v2)
    ucum: str = ""  # the canonical unit in UCUM
    # other LOINC codes that name the same measurement (e.g. blasts 26446-5 beside 709-6),
    # read on import so that a sender's choice of code never drops a value
    loinc_alternates: tuple[str, ...] = ()

    def interval(self, sex: Sex | str) -> tuple[float, float]:
        """The adult interval for ``sex``; the wider of the two when sex is not recorded.

        Compared by value: a sex given as text ("male") must not fall through to the
        wider interval, as it did with an identity test.
        """
        if "any" in self.intervals:
            return self.intervals["any"]
        if sex in (Sex.MALE, Sex.FEMALE):
            return self.intervals[Sex(sex).value]
        low = min(v[0] for v in self.intervals.values())
        high = max(v[1] for v in self.intervals.values())
        return (low, high)


def _load() -> dict[str, AnalyteInfo]:
    rows = load_table("cbc_reference")["analytes"]
    out: dict[str, AnalyteInfo] = {}
    for key, row in rows.items():
        intervals = {
            k: (float(row[k][0]), float(row[k][1])) for k in ("any", "male", "female") if k in row
        }
        out[key] = AnalyteInfo(
            key=key,
            name=row["name"],
            unit=row["unit"],
            units={u: float(f) for u, f in row["units"].items()},
            possible=(float(row["possible"][0]), float(row["possible"][1])),
            intervals=intervals,
            source=row["source"],
            loinc=row.get("loinc", ""),
            ucum=row.get("ucum", ""),
            loinc_alternates=tuple(str(c) for c in row.get("loinc_alternates", ())),
        )
    return out


_ANALYTES = _load()
ANALYTES: tuple[str, ...] = tuple(_ANALYTES)


def analyte_info(key: str) -> AnalyteInfo:
    """The table row for ``key``; an unknown analyte is an ``InvalidMeasurement``."""
    try:
        return _ANALYTES[key]
    except KeyError:
        raise InvalidMeasurement(f"{key}: unknown analyte (known: {', '.join(ANALYTES)})") from None


def to_canonical(key: str, value: float, unit: str) -> float:
    """``value`` in ``unit`` converted to the analyte's canonical unit, checked as possible."""
    info = analyte_info(key)
    factor = info.units.get(unit.strip().replace("×", "x").replace("µ", "u"))
    if factor is None:
        raise InvalidMeasurement(
            f"{key}: unknown unit {unit!r} (use one of {', '.join(info.units)})"
        )
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidMeasurement(f"{key}: {value!r} is not a number")
    canonical = round(float(value) * factor, 6)
    low, high = info.possible
    if not low <= canonical <= high:
        raise InvalidMeasurement(
            f"{key}: {value} {unit} is outside what is possible "
            f"({low:g}-{high:g} {info.unit}); check the value and unit"
        )
    return canonical


@dataclass(frozen=True, slots=True)
class BloodCount:
    """A CBC in canonical units (``values[key]``); only measured analytes are present."""

    collected_at: datetime
    values: Mapping[str, float] = field(default_factory=dict)
    laboratory: str = ""
    # "final" or "preliminary" (a laboratory's result not yet verified, e.g. HL7 'P')
    status: str = "final"
    # values reported as a bound, e.g. {"blasts_percent": "<"} for "< 0.01": the number
    # is the bound, never a measured value
    comparators: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> float | None:
        """The value of ``key`` or None when not measured."""
        return self.values.get(key)


def parse_blood_count(
    collected_at: datetime,
    measurements: Mapping[str, Any],
    *,
    laboratory: str = "",
    status: str = "final",
    comparators: Mapping[str, str] | None = None,
) -> BloodCount:
    """Build a ``BloodCount`` from ``{"hb": (95, "g/L"), "platelets": 42, ...}``.

    A bare number is taken in the canonical unit. The differential must not exceed the
    white cell count: a sum above it means a typing error.
    """
    if collected_at.tzinfo is None:
        raise InvalidMeasurement("collected_at: give a time zone")
    if not measurements:
        raise InvalidMeasurement("cbc: no values given")
    values: dict[str, float] = {}
    for key, given in measurements.items():
        if given is None or given == "":
            continue
        if isinstance(given, tuple | list):
            if len(given) != 2:
                raise InvalidMeasurement(f"{key}: give (value, unit)")
            number, unit = given
        elif isinstance(given, Mapping):
            number, unit = given.get("value"), str(given.get("unit", ""))
        else:
            number, unit = given, analyte_info(key).unit
        values[key] = to_canonical(key, number, str(unit))
    diff = sum(values.get(k, 0.0) for k in _DIFFERENTIAL)
    wbc = values.get("wbc")
    if wbc is not None and diff > wbc * 1.05 + 0.05:  # rounding slack of the analyser
        raise InvalidMeasurement(
            f"differential: the leucocyte subsets add to {diff:g}, more than WBC {wbc:g}"
        )
    if status not in ("final", "preliminary"):
        raise InvalidMeasurement(f"status: {status!r} is not final or preliminary")
    bounds = dict(comparators or {})
    for key, comparator in bounds.items():
        if key not in values or comparator not in ("<", ">", "<=", ">="):
            raise InvalidMeasurement(f"{key}: comparator {comparator!r} without its value")
    return BloodCount(
        collected_at=collected_at,
        values=values,
        laboratory=laboratory,
        status=status,
        comparators=bounds,
    )


_DIFFERENTIAL = ("neutrophils", "lymphocytes", "monocytes", "eosinophils", "basophils")


@dataclass(frozen=True, slots=True)
class CbcFlag:
    """One analyte compared with its adult reference interval."""

    analyte: str
    name: str
    value: float
    unit: str
    low: float
    high: float
    direction: Direction
    source: str

    @property
    def text(self) -> str:
        """E.g. 'Platelets 42 x10^9/L (low; 150-410)'."""
        return (
            f"{self.name} {self.value:g} {self.unit} "
            f"({self.direction.value}; {self.low:g}-{self.high:g})"
        )


def evaluate(count: BloodCount, sex: Sex) -> list[CbcFlag]:
    """Every measured analyte against its adult interval, in table order."""
    flags: list[CbcFlag] = []
    for key in ANALYTES:
        value = count.get(key)
        if value is None:
            continue
        info = _ANALYTES[key]
        low, high = info.interval(sex)
        direction = (
            Direction.LOW if value < low else Direction.HIGH if value > high else Direction.NORMAL
        )
        flags.append(CbcFlag(key, info.name, value, info.unit, low, high, direction, info.source))
    return flags
