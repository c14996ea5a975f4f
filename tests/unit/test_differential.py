"""The differential: percentages of nucleated cells, intervals, M:E, NEC blasts, adequacy."""

from __future__ import annotations

import pytest

from marrowscope.domain.counting.comparison import compare_differentials
from marrowscope.domain.counting.confidence import IntervalMethod
from marrowscope.domain.counting.count_file import counts_to_csv, parse_counts_csv
from marrowscope.domain.counting.counts import CellCounts, merge_counts
from marrowscope.domain.counting.differential import compute_differential, demo_counts
from marrowscope.domain.counting.me_ratio import MEDefinition, default_me_definition
from marrowscope.domain.counting.taxonomy import CellClass as C
from marrowscope.domain.errors import EmptyCount, InvalidCount, InvalidInput, UnknownCellCode


def test_500_cells_with_125_blasts_give_25_percent_with_an_interval_of_21_to_29() -> None:
    counts = CellCounts.of({"BLA": 125, "NGS": 375})

    blasts = compute_differential(counts).row(C.BLA)

    assert blasts.percent == 25.0
    assert blasts.interval_percent.low == pytest.approx(21.40, abs=0.01)
    assert blasts.interval_percent.high == pytest.approx(28.98, abs=0.01)


def test_a_100_cell_count_has_a_visibly_wider_interval_than_a_500_cell_count() -> None:
    small = compute_differential(CellCounts.of({"BLA": 25, "NGS": 75})).row(C.BLA)
    large = compute_differential(CellCounts.of({"BLA": 125, "NGS": 375})).row(C.BLA)

    small_width = small.interval_percent.high - small.interval_percent.low
    large_width = large.interval_percent.high - large.interval_percent.low
    assert small.percent == large.percent
    assert small_width > 2 * large_width
    assert small.interval_percent.low == pytest.approx(17.55, abs=0.01)


def test_cells_outside_the_differential_do_not_dilute_the_percentages() -> None:
    counts = CellCounts.of({"BLA": 50, "NGS": 50, "MGK": 7, "KSC": 30, "ART": 3, "PLT": 9})

    diff = compute_differential(counts)

    assert diff.percent(C.BLA) == 50.0
    assert diff.nucleated_cells == 100
    assert diff.excluded_cells == 49
    with pytest.raises(InvalidInput):
        diff.row(C.MGK)


def test_a_count_without_nucleated_cells_is_refused() -> None:
    with pytest.raises(EmptyCount, match="no nucleated cell"):
        compute_differential(CellCounts.of({"KSC": 4, "MGK": 2}))


def test_the_me_ratio_follows_the_lab_definition_of_myeloid() -> None:
    counts = CellCounts.of({"BLA": 10, "NGS": 50, "MON": 20, "EPC": 20, "LYT": 30})
    icsh = default_me_definition()
    everything = MEDefinition(include_blasts=True, include_monocytes=True)
    granulocytes_only = MEDefinition(include_blasts=False, include_monocytes=False)

    definitions = (icsh, everything, granulocytes_only)
    ratios = [compute_differential(counts, me_definition=d).me.ratio for d in definitions]

    assert icsh == MEDefinition(include_blasts=True, include_monocytes=False)
    assert ratios == [3.0, 4.0, 2.5]


def test_the_me_ratio_interval_surrounds_the_ratio_and_is_absent_without_erythroid_cells() -> None:
    with_erythroid = compute_differential(CellCounts.of({"NGS": 300, "EPC": 100})).me
    without = compute_differential(CellCounts.of({"NGS": 300})).me

    assert with_erythroid.ratio == 3.0
    assert with_erythroid.ratio_low is not None and with_erythroid.ratio_high is not None
    assert with_erythroid.ratio_low < 3.0 < with_erythroid.ratio_high
    assert without.ratio is None and without.ratio_low is None


def test_non_erythroid_blasts_leave_erythroid_precursors_out_of_the_denominator() -> None:
    counts = CellCounts.of({"BLA": 20, "EPC": 60, "PEB": 0, "EBO": 20, "NGS": 100})

    nec = compute_differential(counts).blasts_non_erythroid

    assert nec.denominator_cells == 120
    assert nec.percent == pytest.approx(100 * 20 / 120)


def test_non_erythroid_blasts_are_undefined_when_every_cell_is_erythroid() -> None:
    nec = compute_differential(CellCounts.of({"EPC": 40})).blasts_non_erythroid

    assert nec.percent is None and nec.interval_percent is None


@pytest.mark.parametrize(("cells", "adequate"), [(499, False), (500, True), (501, True)])
def test_fewer_than_500_cells_carry_the_icsh_adequacy_warning(cells: int, adequate: bool) -> None:
    adequacy = compute_differential(CellCounts.of({"NGS": cells})).adequacy

    assert adequacy.adequate is adequate
    assert (adequacy.warning is None) is adequate
    assert "ICSH" in adequacy.source or "ICSH" in (adequacy.warning or "ICSH")


def test_the_exact_interval_is_offered_and_is_wider_than_wilson() -> None:
    counts = CellCounts.of({"BLA": 125, "NGS": 375})

    exact = compute_differential(counts, method=IntervalMethod.CLOPPER_PEARSON).row(C.BLA)

    assert exact.interval_percent.low == pytest.approx(21.26, abs=0.01)
    assert exact.interval_percent.high == pytest.approx(29.04, abs=0.01)


def test_merging_slides_adds_counts_per_class() -> None:
    first = CellCounts.of({"BLA": 10, "NGS": 90})
    second = CellCounts.of({"BLA": 5, "EPC": 45, "MGK": 2})

    merged = merge_counts(first, second)

    assert merged.as_dict() == {C.BLA: 15, C.NGS: 90, C.EPC: 45, C.MGK: 2}
    assert merge_counts() == CellCounts()


def test_counts_refuse_negative_and_fractional_values() -> None:
    with pytest.raises(InvalidCount, match="negative"):
        CellCounts.of({"BLA": -1})
    with pytest.raises(InvalidCount, match="whole number"):
        CellCounts.of({"BLA": 1.5})  # type: ignore[arg-type]
    with pytest.raises(UnknownCellCode):
        CellCounts.of({"XYZ": 1})


def test_a_comparison_reports_deltas_in_points_and_whether_they_exceed_counting_noise() -> None:
    diagnosis = compute_differential(CellCounts.of({"BLA": 150, "NGS": 350}))
    day_28 = compute_differential(CellCounts.of({"BLA": 15, "NGS": 485}))
    repeat = compute_differential(CellCounts.of({"BLA": 140, "NGS": 360}))

    remission = compare_differentials(day_28, diagnosis).change(C.BLA)
    stable = compare_differentials(repeat, diagnosis).change(C.BLA)

    assert remission.delta_points == pytest.approx(-27.0)
    assert remission.beyond_counting_noise and not remission.intervals_overlap
    assert stable.delta_points == pytest.approx(-2.0)
    assert not stable.beyond_counting_noise and stable.intervals_overlap


def test_csv_counts_round_trip() -> None:
    counts = CellCounts.of({"BLA": 12, "NGS": 300, "KSC": 4})

    assert parse_counts_csv(counts_to_csv(counts)) == counts


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", EmptyCount, "no counts"),
        ("code,count\n", EmptyCount, "no counts"),
        ("code,count\nBLA,12\nXYZ,3\n", UnknownCellCode, "line 3"),
        ("code,count\nBLA,-2\n", InvalidCount, "line 2.*negative"),
        ("code,count\nBLA,2.5\n", InvalidCount, "line 2.*whole number"),
        ("code,count\nBLA,1_000\n", InvalidCount, "line 2.*whole number"),
        ("code,count\nBLA,\n", InvalidCount, "line 2.*whole number"),
        ("code,count\nBLA,2\nbla,3\n", InvalidCount, "line 3.*already given on line 2"),
        ("code,count\nBLA,2,7\n", InvalidCount, "line 2.*2 fields"),
        ("cell,n\nBLA,2\n", InvalidCount, "line 1.*header"),
        # found by tests/fuzz: a bare carriage return inside a field was a csv.Error
        ("code,count\nBLA,1\r2\n", InvalidCount, "counts.csv: not a readable CSV file"),
    ],
)
def test_bad_csv_names_the_line(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_counts_csv(text, "counts.csv")


def test_csv_forgives_comments_blank_lines_case_and_spaces() -> None:
    text = "\ufeff# slide 1\nCode , Count\n\n bla , 7 \nNGS,93\n"

    assert parse_counts_csv(text).as_dict() == {C.BLA: 7, C.NGS: 93}


def test_the_demo_count_is_an_adequate_500_cell_count() -> None:
    diff = compute_differential(demo_counts())

    assert diff.nucleated_cells == 500 and diff.adequacy.adequate
    assert diff.percent(C.BLA) == 8.0
