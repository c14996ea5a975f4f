"""Cells to settle a "near" threshold, checked against a direct Wilson computation."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marrowscope.domain.counting.confidence import IntervalMethod
from marrowscope.domain.counting.settling import cells_to_settle


def _wilson_direct(k: int, n: int) -> tuple[float, float]:
    """Wilson 1927 written out again, independent of domain/counting/confidence.py."""
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def _settled_directly(cells: int, counted: int, total: int, threshold: float) -> bool:
    k = int(Fraction(cells, counted) * total + Fraction(1, 2))
    low, high = _wilson_direct(k, total)
    return not low <= threshold / 100 <= high


@pytest.mark.parametrize(
    ("cells", "counted", "threshold"),
    [(31, 150, 20), (18, 100, 20), (207, 1000, 20), (12, 200, 5), (27, 100, 30), (9, 100, 10)],
)
def test_the_answer_settles_and_one_cell_fewer_does_not(
    cells: int, counted: int, threshold: float
) -> None:
    more = cells_to_settle(cells, counted, threshold)

    assert more is not None and more > 0
    assert _settled_directly(cells, counted, counted + more, threshold)
    assert not _settled_directly(cells, counted, counted + more - 1, threshold)


def test_31_blasts_of_150_need_13653_more_cells_to_settle_20_percent() -> None:
    """20.7 % of 150: interval 15.0-27.8 % holds 20 %; at 13,803 cells (2,857 blasts,
    20.70 %) it is 20.02-21.38 %."""
    assert cells_to_settle(31, 150, 20) == 13653
    low, _ = _wilson_direct(2857, 13803)
    assert low > 0.20


def test_a_settled_count_needs_no_more_cells() -> None:
    assert cells_to_settle(100, 200, 20) == 0  # 50 %, interval 43-57 %


def test_a_share_exactly_on_the_threshold_can_never_be_settled() -> None:
    assert cells_to_settle(20, 100, 20) is None
    assert cells_to_settle(0, 0, 20) is None


def test_clopper_pearson_asks_for_at_least_as_many_cells_as_wilson() -> None:
    """The exact interval is wider, so it settles later."""
    wilson = cells_to_settle(18, 100, 20)
    exact = cells_to_settle(18, 100, 20, method=IntervalMethod.CLOPPER_PEARSON)

    assert wilson is not None and exact is not None and exact >= wilson


@settings(max_examples=60, deadline=None)
@given(
    counted=st.integers(20, 600),
    share=st.fractions(Fraction(1, 50), Fraction(49, 50)),
    threshold=st.sampled_from([5, 10, 20, 30]),
)
def test_any_answer_is_the_first_settled_total(
    counted: int, share: Fraction, threshold: int
) -> None:
    cells = int(share * counted)
    more = cells_to_settle(cells, counted, threshold)

    if more:
        assert _settled_directly(cells, counted, counted + more, threshold)
        assert not _settled_directly(cells, counted, counted + more - 1, threshold)
