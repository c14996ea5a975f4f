"""Named groups of cell classes ("blasts", "erythroid", ...) and their measured shares.

Reference ranges and threshold rules speak of these names, not of codes, so that what a
"blast" or an "erythroid precursor" is gets defined once, in ``tables/differential.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import cache

from marrowscope.domain.counting.confidence import Interval, IntervalMethod, proportion_interval
from marrowscope.domain.counting.counts import CellCounts, erythroid_classes, nucleated_classes
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.tables import load_table

__all__ = [
    "Denominator",
    "QuantityDefinition",
    "QuantityValue",
    "measure",
    "measure_all",
    "quantity_definition",
    "quantity_definitions",
]


class Denominator(StrEnum):
    """What a quantity is a percentage of."""

    NUCLEATED = "nucleated"
    ERYTHROID = "erythroid"
    NON_ERYTHROID = "non_erythroid"


@dataclass(frozen=True, slots=True)
class QuantityDefinition:
    """A numerator of classes over a denominator."""

    name: str
    label: str
    codes: tuple[CellClass, ...]
    denominator: Denominator


@dataclass(frozen=True, slots=True)
class QuantityValue:
    """One quantity measured on a count; percent and interval are None without a denominator.

    ``exact_percent`` is a Fraction so that rules compare at their boundaries without float
    rounding (50 of 1000 cells is exactly 5 %, never 4.999…).
    """

    name: str
    label: str
    cells: int
    denominator_cells: int
    exact_percent: Fraction | None
    interval_percent: Interval | None

    @property
    def percent(self) -> float | None:
        """The share in percent, as a float for display."""
        return None if self.exact_percent is None else float(self.exact_percent)


@cache
def quantity_definitions() -> Mapping[str, QuantityDefinition]:
    """Every named quantity of the table, in table order."""
    rows = load_table("differential")["quantities"]
    return {
        name: QuantityDefinition(
            name=name,
            label=str(row["label"]),
            codes=tuple(CellClass(code) for code in row["codes"]),
            denominator=Denominator(row.get("denominator", Denominator.NUCLEATED.value)),
        )
        for name, row in rows.items()
    }


def quantity_definition(name: str) -> QuantityDefinition:
    """One definition; a KeyError names a table inconsistency, not a user error."""
    return quantity_definitions()[name]


def _denominator_cells(counts: CellCounts, denominator: Denominator) -> int:
    nucleated = counts.nucleated_cells
    if denominator is Denominator.NUCLEATED:
        return nucleated
    erythroid = counts.sum_of(erythroid_classes())
    if denominator is Denominator.ERYTHROID:
        return erythroid
    return nucleated - erythroid


@cache
def _counted(codes: tuple[CellClass, ...]) -> frozenset[CellClass]:
    """The classes of a numerator that enter the differential (fixed by the tables)."""
    return frozenset(code for code in codes if code in nucleated_classes())


def _value(
    counts: Mapping[CellClass, int],
    definition: QuantityDefinition,
    denominator_cells: int,
    level: float,
    method: IntervalMethod,
) -> QuantityValue:
    cells = sum(counts.get(code, 0) for code in _counted(definition.codes))
    if denominator_cells == 0:
        return QuantityValue(definition.name, definition.label, cells, 0, None, None)
    return QuantityValue(
        name=definition.name,
        label=definition.label,
        cells=cells,
        denominator_cells=denominator_cells,
        exact_percent=Fraction(100 * cells, denominator_cells),
        interval_percent=proportion_interval(cells, denominator_cells, level, method).scaled(100),
    )


def measure(
    counts: CellCounts,
    definition: QuantityDefinition,
    level: float = 0.95,
    method: IntervalMethod = IntervalMethod.WILSON,
) -> QuantityValue:
    """Share of a quantity's classes in its denominator, with its confidence interval."""
    denominator_cells = _denominator_cells(counts, definition.denominator)
    return _value(dict(counts.items), definition, denominator_cells, level, method)


def measure_all(
    counts: CellCounts, level: float = 0.95, method: IntervalMethod = IntervalMethod.WILSON
) -> dict[str, QuantityValue]:
    """Every named quantity on one count.

    The three denominators are summed once, not once per quantity: the counter asks for
    every quantity at each key press (the live flags).
    """
    nucleated = counts.nucleated_cells
    erythroid = counts.sum_of(erythroid_classes())
    denominators = {
        Denominator.NUCLEATED: nucleated,
        Denominator.ERYTHROID: erythroid,
        Denominator.NON_ERYTHROID: nucleated - erythroid,
    }
    tally = dict(counts.items)
    return {
        name: _value(tally, definition, denominators[definition.denominator], level, method)
        for name, definition in quantity_definitions().items()
    }
