"""The bone marrow differential: counts to percentages with intervals, M:E and adequacy.

Percentages are of the nucleated differential only (classes with ``in_differential``):
megakaryocytes, platelets, smudge cells and artefacts are tallied but would dilute every
other share if they entered the denominator (ICSH 2008).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from marrowscope.domain.counting.confidence import Interval, IntervalMethod, proportion_interval
from marrowscope.domain.counting.counts import CellCounts, merge_counts, nucleated_classes
from marrowscope.domain.counting.me_ratio import (
    MEDefinition,
    MERatio,
    default_me_definition,
    me_ratio,
)
from marrowscope.domain.counting.quantities import QuantityValue, measure, quantity_definition
from marrowscope.domain.counting.taxonomy import CellClass, all_classes
from marrowscope.domain.errors import EmptyCount, InvalidInput
from marrowscope.domain.tables import load_table

__all__ = [
    "Adequacy",
    "ClassPercent",
    "Differential",
    "adequacy_of",
    "compute_differential",
    "default_interval_method",
    "default_level",
    "demo_counts",
    "merge_counts",
]


@dataclass(frozen=True, slots=True)
class ClassPercent:
    """One class of the differential: its count, share and 95 % interval, in percent."""

    code: CellClass
    name: str
    count: int
    exact_percent: Fraction
    interval_percent: Interval

    @property
    def percent(self) -> float:
        """Share of the nucleated differential, in percent."""
        return float(self.exact_percent)


@dataclass(frozen=True, slots=True)
class Adequacy:
    """Whether enough cells were counted for the percentages to be reported plainly."""

    nucleated_cells: int
    adequate_cells: int
    source: str

    @property
    def adequate(self) -> bool:
        """At least the ICSH minimum was counted."""
        return self.nucleated_cells >= self.adequate_cells

    @property
    def warning(self) -> str | None:
        """The caution printed with an inadequate count, None when adequate."""
        if self.adequate:
            return None
        return (
            f"only {self.nucleated_cells} nucleated cells counted; ICSH 2008 recommends at "
            f"least {self.adequate_cells}: percentages carry wide intervals"
        )


def adequacy_of(nucleated_cells: int) -> Adequacy:
    """Adequacy of a count of this size against the table's minimum (ICSH 2008)."""
    row = load_table("differential")["differential"]
    return Adequacy(nucleated_cells, int(row["adequate_cells"]), str(row["source"]))


def default_level() -> float:
    """Confidence level of every interval unless the caller asks for another."""
    return float(load_table("differential")["confidence"]["level"])


def default_interval_method() -> IntervalMethod:
    """Interval method of the table (Wilson score)."""
    return IntervalMethod(load_table("differential")["confidence"]["method"])


@dataclass(frozen=True, slots=True)
class Differential:
    """A computed differential: every in-differential class (zeros included, table order)."""

    counts: CellCounts
    rows: tuple[ClassPercent, ...]
    me: MERatio
    blasts_non_erythroid: QuantityValue
    adequacy: Adequacy
    level: float
    method: IntervalMethod

    @property
    def nucleated_cells(self) -> int:
        """Denominator of every percentage."""
        return self.counts.nucleated_cells

    @property
    def excluded_cells(self) -> int:
        """Tallied objects outside the differential."""
        return self.counts.excluded_cells

    def row(self, code: CellClass) -> ClassPercent:
        """The row of one class; classes outside the differential have none."""
        for row in self.rows:
            if row.code is code:
                return row
        raise InvalidInput(f"{code.value} is not part of the nucleated differential")

    def percent(self, code: CellClass) -> float:
        """Share of one class, in percent."""
        return self.row(code).percent

    def counted_rows(self) -> tuple[ClassPercent, ...]:
        """Rows of classes actually seen, for compact display."""
        return tuple(row for row in self.rows if row.count)


def compute_differential(
    counts: CellCounts,
    *,
    me_definition: MEDefinition | None = None,
    level: float | None = None,
    method: IntervalMethod | None = None,
) -> Differential:
    """The differential of a count.

    Raises ``EmptyCount`` when no nucleated cell was counted: percentages of nothing are
    not zero, they are undefined.
    """
    level = default_level() if level is None else level
    method = default_interval_method() if method is None else method
    definition = default_me_definition() if me_definition is None else me_definition
    nucleated = counts.nucleated_cells
    if nucleated == 0:
        raise EmptyCount(
            "no nucleated cell in the count (megakaryocytes, platelets, smudge cells and "
            "artefacts do not enter the differential)"
        )
    members = nucleated_classes()
    rows = tuple(
        ClassPercent(
            code=row.code,
            name=row.name,
            count=counts.get(row.code),
            exact_percent=Fraction(100 * counts.get(row.code), nucleated),
            interval_percent=proportion_interval(
                counts.get(row.code), nucleated, level, method
            ).scaled(100),
        )
        for row in all_classes()
        if row.code in members
    )
    return Differential(
        counts=counts,
        rows=rows,
        me=me_ratio(counts, definition, level, method),
        blasts_non_erythroid=measure(
            counts, quantity_definition("blasts_non_erythroid"), level, method
        ),
        adequacy=adequacy_of(nucleated),
        level=level,
        method=method,
    )


def demo_counts() -> CellCounts:
    """The invented 500-cell count that ``marrowscope demo`` shows (not a patient)."""
    rows: dict[str, int] = load_table("differential")["demo"]["counts"]
    return CellCounts.of(rows)
