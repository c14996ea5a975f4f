"""Critical values of the blood count: beyond these limits a result needs action now.

Outside the reference interval is common and often expected in this population; below
0.5 x10^9/L neutrophils or 20 x10^9/L platelets is a result someone must act on today.
The screens highlighted neither; the limits live in
``tables/critical_values.toml`` with their sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from marrowscope.domain.tables import load_table

__all__ = ["CriticalValue", "critical_value"]


@dataclass(frozen=True, slots=True)
class CriticalValue:
    """A value beyond its critical limit: which side, the limit, and why that limit."""

    analyte: str
    side: str  # "below" | "above"
    limit: float
    source: str


@cache
def _limits() -> dict[str, dict[str, Any]]:
    limits: dict[str, dict[str, Any]] = load_table("critical_values")["limits"]
    return limits


def critical_value(analyte: str, value: float | None) -> CriticalValue | None:
    """The critical limit ``value`` lies beyond, or None (also for an unlisted analyte).

    Strict comparisons, as the sources word them: neutrophils 0.5 is not critical, 0.49 is.
    """
    row = _limits().get(analyte)
    if row is None or value is None:
        return None
    if "below" in row and value < float(row["below"]):
        return CriticalValue(analyte, "below", float(row["below"]), str(row["source"]))
    if "above" in row and value > float(row["above"]):
        return CriticalValue(analyte, "above", float(row["above"]), str(row["source"]))
    return None
