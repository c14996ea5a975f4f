"""How many more cells would settle which side of a threshold a count falls.

A flag is "near" when the rule's threshold lies inside the 95 % interval of the
quantity it tests: the count so far cannot tell whether the true share is above or
below it. Counting more cells narrows the interval. If the share stayed as it is, the
interval at a larger count ``N`` would be that of ``round(p * N)`` cells of ``N``; the
answer is the smallest ``N`` whose interval no longer contains the threshold, minus the
cells already counted. No counting program we know of tells the morphologist this;
it turns "near" into a number of cells to count.
"""

from __future__ import annotations

from fractions import Fraction

from marrowscope.domain.counting.confidence import IntervalMethod, proportion_interval

__all__ = ["MAX_CELLS", "cells_to_settle", "settles"]

MAX_CELLS = 1_000_000  # beyond this no slide is counted; the share sits (almost) on the line


def _cells_at(share: Fraction, total: int) -> int:
    """Cells of the class at ``total`` if the share stays: rounded half up, exactly."""
    return int(share * total + Fraction(1, 2))


def settles(
    share: Fraction,
    total: int,
    threshold_percent: float | Fraction,
    level: float = 0.95,
    method: IntervalMethod = IntervalMethod.WILSON,
) -> bool:
    """Whether, at ``total`` cells and this share, the interval leaves out the threshold."""
    interval = proportion_interval(_cells_at(share, total), total, level, method)
    threshold = float(threshold_percent) / 100
    return not interval.low <= threshold <= interval.high


def cells_to_settle(
    cells: int,
    denominator: int,
    threshold_percent: float | Fraction,
    level: float = 0.95,
    method: IntervalMethod = IntervalMethod.WILSON,
) -> int | None:
    """More cells to count, at the proportions seen so far, until the interval of the
    share no longer contains ``threshold_percent``; 0 when it already does not.

    None when no count can settle it: the share lies exactly on the threshold, no cell
    has been counted, or more than ``MAX_CELLS`` would be needed.

    Notes
    -----
    The interval narrows roughly as 1/sqrt(N), but rounding ``p * N`` to whole cells
    makes "settled" not strictly monotone in ``N``. The search doubles ``N`` until the
    interval leaves out the threshold, then bisects; the answer ``N`` is settled and
    ``N - 1`` is not, which the unit tests check against a direct Wilson computation.
    """
    if denominator <= 0:
        return None
    share = Fraction(cells, denominator)
    if share == Fraction(threshold_percent) / 100:
        return None
    if settles(share, denominator, threshold_percent, level, method):
        return 0
    low, high = denominator, denominator * 2
    while not settles(share, high, threshold_percent, level, method):
        low, high = high, high * 2
        if low > MAX_CELLS:
            return None
    while high - low > 1:  # invariant: low does not settle, high does
        middle = (low + high) // 2
        if settles(share, middle, threshold_percent, level, method):
            high = middle
        else:
            low = middle
    return high - denominator
