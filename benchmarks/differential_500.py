"""Time a 500-cell differential: computing the full assessment, and counting 500 presses.

Prints the median and 95th percentile of repeated runs, so that the web counter's "live"
figures (recomputed after each press) can be judged against a human's ~3 presses/s.

    .venv/bin/python benchmarks/differential_500.py
"""

from __future__ import annotations

import platform
import random
import statistics
import time
from collections.abc import Callable

from marrowscope.domain.counting.assessment import assess
from marrowscope.domain.counting.confidence import IntervalMethod
from marrowscope.domain.counting.counter import CellCounter
from marrowscope.domain.counting.counts import nucleated_classes
from marrowscope.domain.counting.differential import compute_differential, demo_counts
from marrowscope.domain.counting.taxonomy import CellClass


def _time(action: Callable[[], object], repeats: int) -> list[float]:
    action()  # warm caches (tables are parsed once)
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - began)
    return seconds


def _report(label: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(  # noqa: T201 - a benchmark prints its figures
        f"{label:<58} median {statistics.median(ordered) * 1e3:8.3f} ms"
        f"   p95 {p95 * 1e3:8.3f} ms   (n={len(ordered)})"
    )


def _presses() -> list[CellClass]:
    rng = random.Random(500)
    classes = sorted(nucleated_classes())
    return [rng.choice(classes) for _ in range(500)]


def _count_500(presses: list[CellClass]) -> CellCounter:
    counter = CellCounter.start()
    for code in presses:
        counter = counter.add(code)
    return counter


def main() -> None:
    """Run each measurement and print one line per figure."""
    counts = demo_counts()
    presses = _presses()
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.node()}")  # noqa: T201
    _report(
        "compute_differential, 500 cells (Wilson)",
        _time(lambda: compute_differential(counts), 200),
    )
    _report(
        "compute_differential, 500 cells (Clopper-Pearson)",
        _time(lambda: compute_differential(counts, method=IntervalMethod.CLOPPER_PEARSON), 50),
    )
    _report(
        "assess (differential + ranges + 30 threshold rules)", _time(lambda: assess(counts), 200)
    )
    _report("500 key presses through CellCounter.add", _time(lambda: _count_500(presses), 50))
    per_press = _time(lambda: assess(_count_500(presses[:250]).counts), 50)
    _report("one live refresh mid-count (counts of 250 + assess)", per_press)


if __name__ == "__main__":
    main()
