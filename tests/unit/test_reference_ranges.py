"""Reference ranges: every row sourced, consistent with the quantities, flags H and L."""

from __future__ import annotations

import pytest

from marrowscope.domain.counting.assessment import assess
from marrowscope.domain.counting.counts import CellCounts, erythroid_classes
from marrowscope.domain.counting.quantities import quantity_definitions
from marrowscope.domain.counting.reference_ranges import (
    ME_RATIO,
    RangeFlag,
    flag_against,
    reference_range,
    reference_ranges,
)


def test_every_range_names_a_known_quantity_and_cites_a_source() -> None:
    for name, row in reference_ranges().items():
        assert name == ME_RATIO or name in quantity_definitions()
        assert row.source and row.low <= row.high


def test_the_erythroid_quantity_is_exactly_the_erythroid_lineage() -> None:
    assert set(quantity_definitions()["erythroid"].codes) == erythroid_classes()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (11.0, RangeFlag.LOW),
        (11.1, RangeFlag.NORMAL),
        (23.2, RangeFlag.NORMAL),
        (23.3, RangeFlag.HIGH),
    ],  # fmt: skip
)
def test_lymphocytes_are_flagged_at_either_side_of_their_range(
    value: float, expected: RangeFlag
) -> None:
    assert flag_against("lymphocytes", value) is expected


def test_rare_classes_are_not_flagged_low() -> None:
    plasma = reference_range("plasma_cells")

    assert plasma is not None and not plasma.flag_low
    assert flag_against("plasma_cells", 0.0) is RangeFlag.NORMAL
    assert flag_against("plasma_cells", 4.0) is RangeFlag.HIGH


def test_a_quantity_without_a_range_or_value_is_not_flagged() -> None:
    assert flag_against("faggot_cells", 50.0) is RangeFlag.NORMAL
    assert flag_against("lymphocytes", None) is RangeFlag.NORMAL


def test_an_assessment_flags_classes_series_and_the_me_ratio() -> None:
    counts = CellCounts.of({"BLA": 125, "NGS": 300, "EPC": 50, "LYT": 25})

    report = assess(counts)

    blasts = report.class_reading(report.differential.rows[0].code)
    erythroid = report.reading("erythroid")
    assert blasts is not None and blasts.flag is RangeFlag.HIGH
    assert erythroid is not None and erythroid.flag is RangeFlag.LOW
    assert report.me_flag is RangeFlag.HIGH  # (125 + 300) / 50 = 8.5
