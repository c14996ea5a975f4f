"""The slide rule's binomial test holds for slides and runs of any size."""

from __future__ import annotations

from math import comb

import pytest

from marrowscope.domain.ai_review import SHIFT_CROP_RATE, shift_expected
from marrowscope.domain.ai_review.shift import _tail


@pytest.mark.parametrize(("k", "n", "p"), [(3, 10, 0.02), (5, 40, 0.04), (20, 300, 0.04)])
def test_the_tail_is_the_exact_binomial_tail(k: int, n: int, p: float) -> None:
    exact = sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))
    assert _tail(k, n, p) == pytest.approx(exact, rel=1e-9)


def test_thousands_of_cells_neither_overflow_nor_cry_wolf() -> None:
    """A folder of 1,420 crops overflowed the float sum; the expected share is no alarm."""
    assert not shift_expected(28, 1420, SHIFT_CROP_RATE)  # exactly the base rate
    assert shift_expected(60, 1420, SHIFT_CROP_RATE)
    assert shift_expected(900, 5000, SHIFT_CROP_RATE)
