"""Confidence intervals for the proportions of a differential count.

A differential is a binomial sample: each counted cell is, or is not, of a class. The
width of the interval is what separates a 100-cell count from a 500-cell one, so every
percentage marrowscope reports carries one.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

from marrowscope.domain.errors import InvalidCount, InvalidInput

__all__ = [
    "Interval",
    "IntervalMethod",
    "clopper_pearson_interval",
    "newcombe_difference_interval",
    "proportion_interval",
    "regularized_incomplete_beta",
    "wilson_interval",
]


class IntervalMethod(StrEnum):
    """How a binomial interval is computed."""

    WILSON = "wilson"
    CLOPPER_PEARSON = "clopper-pearson"


@dataclass(frozen=True, slots=True)
class Interval:
    """A two-sided interval of proportions (0..1), or of a difference of them (-1..1)."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        """Whether `value` lies within the closed interval."""
        return self.low <= value <= self.high

    def scaled(self, factor: float) -> Interval:
        """The same interval in other units (×100 for percent)."""
        return Interval(self.low * factor, self.high * factor)


def _check(successes: int, trials: int, level: float) -> None:
    if trials <= 0:
        raise InvalidCount(f"an interval needs at least one trial, got {trials}")
    if not 0 <= successes <= trials:
        raise InvalidCount(f"successes must lie in 0..{trials}, got {successes}")
    if not 0 < level < 1:
        raise InvalidInput(f"confidence level must lie strictly between 0 and 1, got {level}")


@functools.lru_cache(maxsize=64)
def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> Interval:
    """Wilson score interval of a binomial proportion.

    Chosen as the default because, unlike the Wald interval, it never leaves 0..1, is not
    degenerate at 0 or n successes, and keeps close to nominal coverage for the small
    counts of rare classes (Brown, Cai & DasGupta 2001).

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference.
    J Am Stat Assoc 1927;22:209-212. doi:10.1080/01621459.1927.10502953
    """
    _check(successes, trials, level)
    z = _z(level)
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    # Exact ends at 0 and n: float rounding must not put 0 % outside its own interval.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(low, high)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            return h
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the beta distribution's CDF, by the continued fraction of Numerical Recipes.

    Stdlib only (no SciPy in the domain); tested against exact binomial tail sums, since
    P(X >= k | n, p) = I_p(k, n - k + 1).
    """
    if a <= 0 or b <= 0:
        raise InvalidInput(f"beta parameters must be positive, got a={a}, b={b}")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def _beta_quantile(q: float, a: float, b: float) -> float:
    """Inverse of I_x(a, b) by bisection: monotone, so 200 halvings reach float precision."""
    low, high = 0.0, 1.0
    for _ in range(200):
        mid = (low + high) / 2
        if regularized_incomplete_beta(mid, a, b) < q:
            low = mid
        else:
            high = mid
        if high - low < 1e-15:
            break
    return (low + high) / 2


def clopper_pearson_interval(successes: int, trials: int, level: float = 0.95) -> Interval:
    """Exact (Clopper–Pearson) binomial interval: never below nominal coverage, wider.

    Offered for labs whose SOP asks for an exact interval.

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case
    of the binomial. Biometrika 1934;26:404-413. doi:10.1093/biomet/26.4.404
    """
    _check(successes, trials, level)
    alpha = 1 - level
    x, n = successes, trials
    low = 0.0 if x == 0 else _beta_quantile(alpha / 2, x, n - x + 1)
    high = 1.0 if x == n else _beta_quantile(1 - alpha / 2, x + 1, n - x)
    return Interval(low, high)


@functools.lru_cache(maxsize=16_384)
def proportion_interval(
    successes: int,
    trials: int,
    level: float = 0.95,
    method: IntervalMethod = IntervalMethod.WILSON,
) -> Interval:
    """Interval of `successes / trials` by the chosen method.

    Memoised: the counter's live figures ask for some 75 intervals per key press, and
    between two presses all but a few have the same cells and total. An interval is a
    frozen value, so sharing it is safe.
    """
    if method == IntervalMethod.CLOPPER_PEARSON:
        return clopper_pearson_interval(successes, trials, level)
    return wilson_interval(successes, trials, level)


def newcombe_difference_interval(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, level: float = 0.95
) -> Interval:
    """Interval of p_a − p_b from the two Wilson intervals (Newcombe's hybrid score method).

    Used to compare a differential with a previous one: an interval that excludes 0 is a
    change larger than counting noise; overlap of the two separate intervals is a much
    weaker (too conservative) test.

    References
    ----------
    Newcombe RG. Interval estimation for the difference between independent proportions:
    comparison of eleven methods. Stat Med 1998;17:873-890 (method 10).
    """
    ci_a = wilson_interval(successes_a, trials_a, level)
    ci_b = wilson_interval(successes_b, trials_b, level)
    p_a, p_b = successes_a / trials_a, successes_b / trials_b
    difference = p_a - p_b
    low = difference - math.sqrt((p_a - ci_a.low) ** 2 + (ci_b.high - p_b) ** 2)
    high = difference + math.sqrt((ci_a.high - p_a) ** 2 + (p_b - ci_b.low) ** 2)
    return Interval(max(-1.0, low), min(1.0, high))
