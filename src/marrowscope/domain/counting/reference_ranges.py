"""Adult reference ranges of the marrow differential and the M:E ratio, with H/L flags.

Values live in ``tables/reference_ranges.toml`` with their source; a laboratory is expected
to replace them with its own verified intervals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from marrowscope.domain.tables import load_table

__all__ = [
    "RangeFlag",
    "ReferenceRange",
    "flag_against",
    "reference_range",
    "reference_ranges",
]

ME_RATIO = "me_ratio"


class RangeFlag(StrEnum):
    """Where a value lies against its range."""

    HIGH = "H"
    LOW = "L"
    NORMAL = ""


@dataclass(frozen=True, slots=True)
class ReferenceRange:
    """One row: the range of a quantity (percent) or of the M:E ratio, with its source."""

    name: str
    low: float
    high: float
    flag_low: bool
    source_key: str
    source: str
    note: str

    def flag(self, value: float) -> RangeFlag:
        """H above the range, L below it (where a low value means something), else blank."""
        if value > self.high:
            return RangeFlag.HIGH
        if self.flag_low and value < self.low:
            return RangeFlag.LOW
        return RangeFlag.NORMAL

    def describe(self) -> str:
        """``0.2–1.5`` for a table cell."""
        return f"{self.low:g}–{self.high:g}"


@cache
def reference_ranges() -> Mapping[str, ReferenceRange]:
    """Every row of the table, keyed by quantity name (``me_ratio`` for the ratio)."""
    table = load_table("reference_ranges")
    sources: dict[str, str] = table["sources"]
    ranges = {}
    for name, row in table["ranges"].items():
        low, high = float(row["low"]), float(row["high"])
        if low > high:  # a table typo must not pass silently
            raise RuntimeError(f"reference range {name}: low {low} above high {high}")
        ranges[name] = ReferenceRange(
            name=name,
            low=low,
            high=high,
            flag_low=bool(row.get("flag_low", True)),
            source_key=str(row["source"]),
            source=sources[row["source"]],
            note=str(row.get("note", "")),
        )
    return ranges


def reference_range(name: str) -> ReferenceRange | None:
    """The range of a quantity, None when the table has none."""
    return reference_ranges().get(name)


def flag_against(name: str, value: float | None) -> RangeFlag:
    """Flag of a value against its range; blank without a range or without a value."""
    row = reference_range(name)
    if row is None or value is None:
        return RangeFlag.NORMAL
    return row.flag(value)
