"""Measurable residual disease as its own structured result: method, call, level and the
assay's sensitivity, which a negative result is meaningless without."""

from __future__ import annotations

import pytest

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.lab import MrdMethod, MrdResult, TestType, parse_result, result_to_dict

FLOW = {"method": "flow", "target": "LAIP CD34+CD117+CD7+", "detected": "not detected",
        "sensitivity": "1e-4", "level_percent": "0", "cells_analysed": "500000"}  # fmt: skip


def test_a_flow_mrd_result_keeps_its_sensitivity_and_reads_back_unchanged() -> None:
    result = parse_result(TestType.MRD, FLOW)

    assert isinstance(result, MrdResult)
    assert (result.method, result.detected, result.sensitivity) == (MrdMethod.FLOW, False, 1e-4)
    assert parse_result(TestType.MRD, result_to_dict(result)) == result


def test_npm1_qpcr_detected_at_a_level_is_positive() -> None:
    data = {"method": "npm1_qpcr", "detected": True, "sensitivity": 1e-5, "level_percent": 0.8}

    result = parse_result(TestType.MRD, data)

    assert isinstance(result, MrdResult) and result.detected and result.level_percent == 0.8


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sensitivity": ""}, "sensitivity"),
        ({"sensitivity": "0.5"}, "sensitivity"),  # above 1 in 10: a typing error
        ({"sensitivity": "1e-8"}, "sensitivity"),  # below any assay's reach
        ({"method": "pcr"}, "method"),
        ({"detected": "maybe"}, "detected"),
        ({"level_percent": "0.3"}, "level_percent"),  # a level above 0 called not detected
        ({"detected": "detected"}, "level_percent"),  # detected at a level of 0
    ],
)
def test_contradictory_or_incomplete_mrd_results_are_refused_by_field(
    change: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput, match=rf"^{field}: "):
        parse_result(TestType.MRD, {**FLOW, **change})
