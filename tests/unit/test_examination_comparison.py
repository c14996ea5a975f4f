"""A repeat marrow beside the previous one: the counts' change tested as a difference of
two proportions, checked against direct computations and Newcombe's published example."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowscope.domain.counting.comparison import compare_quantity, two_proportion_z_test
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.diagnosis.classification import DiagnosticFindings
from marrowscope.domain.diagnosis.findings import KaryotypeFacts, Variant
from marrowscope.domain.diagnosis.response.comparison import compare_examinations
from marrowscope.domain.diagnosis.response.examination import Examination

BLA, NGS, EBO = CellClass("BLA"), CellClass("NGS"), CellClass("EBO")


def _wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_the_difference_interval_is_newcombes_published_example() -> None:
    """Newcombe 1998 (Stat Med 17:873), 56/70 vs 48/80, method 10: 0.0524 to 0.3339."""
    change = compare_quantity("blasts", {BLA: 56, NGS: 14}, {BLA: 48, NGS: 32})

    assert change is not None
    assert change.delta_interval_points.low == pytest.approx(5.24, abs=0.01)
    assert change.delta_interval_points.high == pytest.approx(33.39, abs=0.01)
    assert change.beyond_chance


def test_the_z_test_is_the_pooled_two_proportion_test() -> None:
    # by hand: pooled 104/150, se = sqrt(.6933 * .3067 * (1/70 + 1/80)) = 0.07547
    z, p = two_proportion_z_test(56, 70, 48, 80)

    assert z == pytest.approx(0.2 / 0.075467, rel=1e-4)
    assert p == pytest.approx(math.erfc(z / math.sqrt(2)))


@given(st.integers(0, 300), st.integers(1, 300), st.integers(0, 300), st.integers(1, 300))
def test_beyond_chance_is_the_direct_newcombe_interval_excluding_zero(
    x1: int, extra1: int, x2: int, extra2: int
) -> None:
    n1, n2 = x1 + extra1, x2 + extra2
    (l1, u1), (l2, u2) = _wilson(x1, n1), _wilson(x2, n2)
    p1, p2 = x1 / n1, x2 / n2
    low = p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)

    change = compare_quantity("blasts", {BLA: x1, NGS: extra1}, {BLA: x2, NGS: extra2})

    assert change is not None
    assert change.delta_interval_points.low == pytest.approx(100 * max(-1.0, low), abs=1e-9)
    assert change.delta_interval_points.high == pytest.approx(100 * min(1.0, high), abs=1e-9)
    if abs(low) > 1e-9 and abs(high) > 1e-9:  # away from the boundary itself
        assert change.beyond_chance is (low > 0 or high < 0)


def _exam(case_id: int, counts: dict[CellClass, int], **findings: object) -> Examination:
    return Examination(case_id, date(2026, 1, case_id), DiagnosticFindings(**findings), counts)  # type: ignore[arg-type]


def test_day_28_figures_stand_beside_the_diagnostic_marrow_with_their_change() -> None:
    diagnosis = _exam(
        1,
        {BLA: 310, NGS: 120, EBO: 70},
        karyotype=KaryotypeFacts("46,XY[20]", normal=True),
        variants=(Variant("NPM1", 41.0, "W288fs"), Variant("FLT3", 12.0, "ITD")),
        cellularity_percent=90.0,
    )
    day28 = _exam(
        2,
        {BLA: 12, NGS: 300, EBO: 188},
        karyotype=KaryotypeFacts("46,XY[20]", normal=True),
        variants=(Variant("NPM1", 0.4, "W288fs"),),
        cellularity_percent=30.0,
    )

    rows = {row.name: row for row in compare_examinations(diagnosis, day28)}

    blasts = rows["Blasts (marrow)"]
    assert (blasts.previous, blasts.current) == ("62.0 % (310/500)", "2.4 % (12/500)")
    assert blasts.change == "-59.6 points" and blasts.beyond_chance is True
    assert rows["M:E ratio"].beyond_chance is True  # 120:70 -> 300:188 with blasts counted
    assert rows["Cellularity"].change == "-60.0 %" and rows["Cellularity"].beyond_chance is None
    assert rows["Karyotype"].change == "same"
    assert rows["NPM1 W288fs VAF"].change == "-40.6 %"
    assert rows["FLT3 ITD VAF"].current == "not detected"


def test_a_small_change_on_small_counts_is_not_beyond_chance() -> None:
    before = _exam(1, {BLA: 3, NGS: 97})
    after = _exam(2, {BLA: 5, NGS: 95})

    blasts = compare_examinations(before, after)[0]

    assert blasts.beyond_chance is False
    assert "Newcombe" in blasts.test
