"""Median and 90th percentile of turnaround times, with the method named.

Percentiles of small samples differ by method (nine are in common use); a dashboard that
does not say which it used cannot be checked. This one uses Hyndman & Fan's definition 7
(``tables/quality.toml``): linear interpolation between order statistics, the default of
R and numpy and ``statistics.quantiles(method="inclusive")`` in Python.

References
----------
Hyndman RJ, Fan Y. Sample quantiles in statistical packages. Am Stat 1996;50:361-365,
doi:10.1080/00031305.1996.10473566
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from marrowscope.domain.errors import InvalidInput

__all__ = ["PERCENTILE_METHOD", "median", "month_of", "percentile"]

PERCENTILE_METHOD = "Hyndman-Fan type 7 (linear interpolation)"


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of ``values`` by definition 7.

    With the values sorted as x[0] <= ... <= x[n-1], h = (n - 1) p / 100 and the
    percentile is x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
    """
    if not values:
        raise InvalidInput("percentile: no values")
    if not 0 <= p <= 100:
        raise InvalidInput(f"percentile: {p} is not between 0 and 100")
    ordered = sorted(values)
    h = (len(ordered) - 1) * p / 100
    low = math.floor(h)
    if low + 1 >= len(ordered):
        return ordered[-1]
    return ordered[low] + (h - low) * (ordered[low + 1] - ordered[low])


def median(values: Sequence[float]) -> float:
    """The 50th percentile (for definition 7, the usual median)."""
    return percentile(values, 50)


def month_of(moment: datetime) -> str:
    """'2026-03': the month (UTC) a stage ended in, the dashboard's period."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc.month:02d}"
