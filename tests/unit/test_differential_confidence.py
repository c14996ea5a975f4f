"""Binomial intervals against closed forms and exact binomial sums (independent oracles)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from marrowscope.domain.counting.confidence import (
    clopper_pearson_interval,
    newcombe_difference_interval,
    regularized_incomplete_beta,
    wilson_interval,
)
from marrowscope.domain.errors import InvalidCount, InvalidInput


def _binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Bin(n, p), summed exactly in rationals."""
    q = Fraction(p)
    return float(sum(math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(k, n + 1)))


def test_wilson_matches_the_closed_form_for_125_of_500() -> None:
    z = 1.959963984540054
    p, n = 0.25, 500
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))

    interval = wilson_interval(125, 500)

    assert interval.low == pytest.approx(centre - half, abs=1e-12)
    assert interval.high == pytest.approx(centre + half, abs=1e-12)


def test_wilson_keeps_0_and_n_successes_inside_0_to_1() -> None:
    none, every = wilson_interval(0, 20), wilson_interval(20, 20)

    assert none.low == 0.0 and 0 < none.high < 0.2
    assert every.high == 1.0 and 0.8 < every.low < 1


@pytest.mark.parametrize(("k", "n", "p"), [(1, 10, 0.3), (5, 20, 0.5), (17, 40, 0.61), (3, 3, 0.2)])
def test_incomplete_beta_equals_the_binomial_tail(k: int, n: int, p: float) -> None:
    assert regularized_incomplete_beta(p, k, n - k + 1) == pytest.approx(
        _binomial_upper_tail(k, n, p), rel=1e-10, abs=1e-14
    )


@pytest.mark.parametrize(("x", "n"), [(1, 10), (5, 20), (13, 50), (29, 30), (0, 12), (12, 12)])
def test_clopper_pearson_ends_leave_2_5_percent_in_each_binomial_tail(x: int, n: int) -> None:
    interval = clopper_pearson_interval(x, n)

    if x > 0:
        assert _binomial_upper_tail(x, n, interval.low) == pytest.approx(0.025, rel=1e-7)
    else:
        assert interval.low == 0.0
    if x < n:
        assert 1 - _binomial_upper_tail(x + 1, n, interval.high) == pytest.approx(0.025, rel=1e-7)
    else:
        assert interval.high == 1.0


def test_clopper_pearson_with_no_success_has_the_closed_form_upper_end() -> None:
    assert clopper_pearson_interval(0, 10).high == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-9)


def test_newcombe_difference_surrounds_the_difference_and_is_symmetric_in_sign() -> None:
    forward = newcombe_difference_interval(30, 100, 10, 100)
    backward = newcombe_difference_interval(10, 100, 30, 100)

    assert forward.low < 0.2 < forward.high and forward.low > 0
    assert backward.low == pytest.approx(-forward.high)
    assert backward.high == pytest.approx(-forward.low)


def test_impossible_interval_inputs_are_refused() -> None:
    with pytest.raises(InvalidCount):
        wilson_interval(1, 0)
    with pytest.raises(InvalidCount):
        wilson_interval(5, 4)
    with pytest.raises(InvalidInput):
        wilson_interval(1, 4, level=1.0)
