"""Graded findings of the report: iron stores, fibrosis, cellularity against age, and the
differential's quantities against their reference ranges.

Every value comes from a table with its source (``iron_grades``, ``fibrosis_grades``,
``cellularity_by_age``, ``reference_ranges``); this module only looks them up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from marrowscope.domain.counting.differential import Differential
from marrowscope.domain.counting.quantities import measure_all, quantity_definition
from marrowscope.domain.counting.reference_ranges import RangeFlag, reference_range
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.tables import load_table

__all__ = [
    "CellularityJudgement",
    "RangeRow",
    "cellularity_against_age",
    "fibrosis_description",
    "iron_grade_category",
    "range_rows",
]


def iron_grade_category(grade: int) -> str:
    """``absent``/``reduced``/``normal``/``increased`` for a Gale grade 0-6 (Gale 1963)."""
    grades: Mapping[str, Mapping[str, str]] = load_table("iron_grades")["grades"]
    row = grades.get(str(grade))
    if row is None:
        raise InvalidInput(f"iron grade must be 0 to 6 (Gale 1963), not {grade}")
    return row["category"]


def fibrosis_description(grade: str) -> str:
    """The consensus wording of an MF grade (Thiele 2005)."""
    grades: Mapping[str, Mapping[str, str]] = load_table("fibrosis_grades")["grades"]
    row = grades.get(grade.strip().upper())
    if row is None:
        raise InvalidInput(f"fibrosis grade must be one of {', '.join(grades)}, not {grade!r}")
    return row["description"]


@dataclass(frozen=True, slots=True)
class CellularityJudgement:
    """Trephine cellularity against the age-expected value."""

    observed_percent: float
    expected_percent: float
    low_percent: float
    high_percent: float
    wording: str


def cellularity_against_age(observed_percent: float, age_years: int) -> CellularityJudgement:
    """Compare cellularity with ``100 - age`` and its band (table ``cellularity_by_age``).

    The wording says "consider" because the band is a rule of thumb, not a reference
    interval (Thiele 2005; Bain 2001).
    """
    if not 0 <= observed_percent <= 100:
        raise InvalidInput(f"cellularity must be 0-100 %, not {observed_percent:g}")
    table = load_table("cellularity_by_age")
    expected = min(
        float(table["ceiling_percent"]), max(float(table["floor_percent"]), 100.0 - age_years)
    )
    band = float(table["tolerance_percent"])
    low, high = max(0.0, expected - band), min(100.0, expected + band)
    if observed_percent > high:
        wording = "above the age-expected range: consider a hypercellular marrow"
    elif observed_percent < low:
        wording = "below the age-expected range: consider a hypocellular marrow"
    else:
        wording = "within the age-expected range"
    return CellularityJudgement(observed_percent, expected, low, high, wording)


@dataclass(frozen=True, slots=True)
class RangeRow:
    """One reported quantity with its 95 % interval beside its adult reference range."""

    label: str
    cells: int
    percent: float
    ci_low: float
    ci_high: float
    range_low: float
    range_high: float
    flag: RangeFlag
    subtotal: bool = False  # a series of several classes, not one more class to add up


def range_rows(differential: Differential) -> tuple[RangeRow, ...]:
    """The quantities that have a reference range (table ``reference_ranges``), in order.

    The interval is Wilson's (``domain.confidence``) so that a 200-cell count near a
    range limit is not read as more certain than it is (ICSH 2008).
    """
    out = []
    for name, value in measure_all(differential.counts).items():
        ref = reference_range(name)
        if ref is None or value.percent is None or value.interval_percent is None:
            continue
        out.append(
            RangeRow(
                label=value.label,
                cells=value.cells,
                percent=value.percent,
                ci_low=value.interval_percent.low,
                ci_high=value.interval_percent.high,
                range_low=ref.low,
                range_high=ref.high,
                flag=ref.flag(value.percent),
                subtotal=len(quantity_definition(name).codes) > 1,
            )
        )
    return tuple(out)
