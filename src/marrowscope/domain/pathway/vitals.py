"""Vital signs: impossible values refused, out-of-range values flagged (NEWS2 bands).

The table ``tables/vital_signs.toml`` holds, per sign, the plausibility limits and the
alert/watch bands; a value beyond plausibility is a typing error, not a patient state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from marrowscope.domain.errors import InvalidMeasurement
from marrowscope.domain.tables import load_table

__all__ = ["SIGNS", "VitalAlert", "VitalLevel", "VitalSign", "check_vital", "make_vital"]

_T = load_table("vital_signs")["signs"]
SIGNS: tuple[str, ...] = tuple(_T)


class VitalLevel(StrEnum):
    """How far a value lies from normal."""

    NORMAL = "normal"
    WATCH = "watch"
    ALERT = "alert"


@dataclass(frozen=True, slots=True)
class VitalSign:
    """One observation in the sign's table unit."""

    at: datetime
    sign: str
    value: float


@dataclass(frozen=True, slots=True)
class VitalAlert:
    """A value outside the normal band, with its level and the band's source."""

    sign: str
    at: datetime
    value: float
    level: VitalLevel
    message: str
    source: str


def make_vital(at: datetime, sign: str, value: float, unit: str | None = None) -> VitalSign:
    """A checked observation; unknown sign or unit, or an impossible value, is refused."""
    row = _T.get(sign)
    if row is None:
        raise InvalidMeasurement(f"{sign}: unknown vital sign (known: {', '.join(SIGNS)})")
    if unit is not None and unit.replace("°", "").strip() != row["unit"]:
        raise InvalidMeasurement(f"{sign}: unknown unit {unit!r} (use {row['unit']})")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidMeasurement(f"{sign}: {value!r} is not a number")
    low, high = row["possible"]
    if not low <= value <= high:
        raise InvalidMeasurement(
            f"{sign}: {value:g} {row['unit']} is not possible ({low}-{high}); check the entry"
        )
    if at.tzinfo is None:
        raise InvalidMeasurement(f"{sign}: the time needs a time zone")
    return VitalSign(at, sign, float(value))


def check_vital(v: VitalSign) -> VitalAlert | None:
    """The alert for ``v`` or None when it lies in the normal band."""
    row = _T[v.sign]
    if v.value <= row["alert_low"] or v.value >= row["alert_high"]:
        level = VitalLevel.ALERT
    elif v.value <= row["watch_low"] or v.value >= row["watch_high"]:
        level = VitalLevel.WATCH
    else:
        return None
    side = "low" if v.value <= row["watch_low"] else "high"
    return VitalAlert(
        v.sign,
        v.at,
        v.value,
        level,
        f"{row['name']} {v.value:g} {row['unit']} is {side} ({level.value})",
        row["source"],
    )
