"""A differential against a previous one (e.g. day-28 marrow against diagnosis).

Each class gets its change in percentage points, whether the two 95 % intervals overlap
(what a reader checks by eye) and Newcombe's interval of the difference (the proper test:
an interval that excludes 0 is a change beyond counting noise). One named quantity
(blasts, plasma cells) of two whole counts is compared the same way by
``compare_quantity``, with the pooled two-proportion z test beside it for readers who
expect a p value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from marrowscope.domain.counting.confidence import Interval, newcombe_difference_interval
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.differential import Differential
from marrowscope.domain.counting.quantities import measure, quantity_definition
from marrowscope.domain.counting.taxonomy import CellClass

__all__ = [
    "ClassChange",
    "Comparison",
    "QuantityChange",
    "compare_differentials",
    "compare_quantity",
    "two_proportion_z_test",
]


@dataclass(frozen=True, slots=True)
class ClassChange:
    """Change of one class between the previous and the current differential."""

    code: CellClass
    previous_percent: float
    current_percent: float
    delta_points: float
    intervals_overlap: bool
    delta_interval_points: Interval

    @property
    def beyond_counting_noise(self) -> bool:
        """Newcombe's interval of the difference excludes zero."""
        return not self.delta_interval_points.contains(0.0)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Per-class changes plus the change of the M:E ratio."""

    changes: tuple[ClassChange, ...]
    previous_nucleated_cells: int
    current_nucleated_cells: int
    me_ratio_previous: float | None
    me_ratio_current: float | None

    def change(self, code: CellClass) -> ClassChange:
        """The change of one class."""
        for change in self.changes:
            if change.code is code:
                return change
        raise KeyError(code)


def compare_differentials(current: Differential, previous: Differential) -> Comparison:
    """Compare two differentials class by class (classes seen in either are listed).

    The M:E ratio change is only meaningful when both used the same definition; the
    caller passes differentials computed with one.
    """
    changes = []
    for now in current.rows:
        before = previous.row(now.code)
        if now.count == 0 and before.count == 0:
            continue
        overlap = (
            now.interval_percent.low <= before.interval_percent.high
            and before.interval_percent.low <= now.interval_percent.high
        )
        delta = newcombe_difference_interval(
            now.count,
            current.nucleated_cells,
            before.count,
            previous.nucleated_cells,
            current.level,
        )
        changes.append(
            ClassChange(
                code=now.code,
                previous_percent=before.percent,
                current_percent=now.percent,
                delta_points=now.percent - before.percent,
                intervals_overlap=overlap,
                delta_interval_points=delta.scaled(100),
            )
        )
    return Comparison(
        changes=tuple(changes),
        previous_nucleated_cells=previous.nucleated_cells,
        current_nucleated_cells=current.nucleated_cells,
        me_ratio_previous=previous.me.ratio,
        me_ratio_current=current.me.ratio,
    )


@dataclass(frozen=True, slots=True)
class QuantityChange:
    """One named quantity (e.g. "blasts") of the current count against the previous one.

    ``beyond_chance`` is the verdict shown: Newcombe's 95 % interval of the difference
    excludes 0. ``intervals_overlap`` (the two counts' own 95 % intervals) and the z test's
    ``p_value`` are given beside it, never instead of it.
    """

    name: str
    previous_cells: int
    previous_total: int
    current_cells: int
    current_total: int
    previous_percent: float
    current_percent: float
    delta_points: float
    delta_interval_points: Interval
    intervals_overlap: bool
    p_value: float

    @property
    def beyond_chance(self) -> bool:
        """The 95 % interval of the difference excludes zero."""
        return not self.delta_interval_points.contains(0.0)


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """z and two-sided p of H0 p1 = p2, with the pooled standard error.

    References
    ----------
    Fleiss JL, Levin B, Paik MC. Statistical Methods for Rates and Proportions, 3rd ed.
    Wiley 2003, section 2.6 (doi:10.1002/0471445428).
    """
    if n1 <= 0 or n2 <= 0 or not (0 <= x1 <= n1 and 0 <= x2 <= n2):
        raise ValueError("two_proportion_z_test: needs 0 <= x <= n and n > 0 for both")
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0.0:  # both 0 % or both 100 %: no difference to test
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def compare_quantity(
    name: str, current: Mapping[CellClass, int], previous: Mapping[CellClass, int]
) -> QuantityChange | None:
    """The change of quantity ``name`` (a row of ``tables/differential.toml``) between two
    counts; None when either count has no cell in the quantity's denominator."""
    definition = quantity_definition(name)
    now = measure(CellCounts(tuple((c, n) for c, n in current.items() if n)), definition)
    before = measure(CellCounts(tuple((c, n) for c, n in previous.items() if n)), definition)
    if not now.denominator_cells or not before.denominator_cells:
        return None
    assert now.interval_percent is not None and before.interval_percent is not None
    overlap = (
        now.interval_percent.low <= before.interval_percent.high
        and before.interval_percent.low <= now.interval_percent.high
    )
    delta = newcombe_difference_interval(
        now.cells, now.denominator_cells, before.cells, before.denominator_cells
    )
    _z, p_value = two_proportion_z_test(
        now.cells, now.denominator_cells, before.cells, before.denominator_cells
    )
    current_percent = 100 * now.cells / now.denominator_cells
    previous_percent = 100 * before.cells / before.denominator_cells
    return QuantityChange(
        name=name,
        previous_cells=before.cells,
        previous_total=before.denominator_cells,
        current_cells=now.cells,
        current_total=now.denominator_cells,
        previous_percent=previous_percent,
        current_percent=current_percent,
        delta_points=current_percent - previous_percent,
        delta_interval_points=delta.scaled(100),
        intervals_overlap=overlap,
        p_value=p_value,
    )
