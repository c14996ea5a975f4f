"""A differential against a previous one (e.g. day-28 marrow against diagnosis).

Each class gets its change in percentage points, whether the two 95 % intervals overlap
(what a reader checks by eye) and Newcombe's interval of the difference (the proper test:
an interval that excludes 0 is a change beyond counting noise).
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.domain.counting.confidence import Interval, newcombe_difference_interval
from marrowscope.domain.counting.differential import Differential
from marrowscope.domain.counting.taxonomy import CellClass

__all__ = ["ClassChange", "Comparison", "compare_differentials"]


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
