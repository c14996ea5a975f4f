"""Entered diagnosis inputs: three states, the table's ranges at and beyond each bound."""

from __future__ import annotations

import pytest

from marrowscope.domain.diagnosis.context import FieldErrors, context_fields, parse_context


def test_yes_no_and_not_assessed_are_three_states() -> None:
    got = parse_context({"prior_mds": "yes", "auer_rods": "No", "amyloidosis": ""})

    assert got == {"prior_mds": True, "auer_rods": False}  # empty: not assessed, not "no"


@pytest.mark.parametrize("spec", [f for f in context_fields() if f.low is not None])
def test_each_range_accepts_its_bounds_and_refuses_beyond(spec: object) -> None:
    low, high, key = spec.low, spec.high, spec.key  # type: ignore[attr-defined]
    assert parse_context({key: str(low)})[key] == low
    assert parse_context({key: str(high)})[key] == high
    step = 1 if spec.kind == "count" else 0.01  # type: ignore[attr-defined]
    for outside in (low - step, high + step):
        if outside < 0 and low == 0:
            outside = -step
        with pytest.raises(FieldErrors) as refused:
            parse_context({key: str(outside)})
        assert key in refused.value.errors


def test_all_refusals_come_together() -> None:
    with pytest.raises(FieldErrors) as refused:
        parse_context({"albumin_g_per_l": "abc", "t_4_14": "perhaps", "nonsense": 1})

    assert set(refused.value.errors) == {"albumin_g_per_l", "t_4_14", "nonsense"}


@pytest.mark.parametrize("raw", ["nan", "inf", True])
def test_numbers_must_be_finite_numbers(raw: object) -> None:
    with pytest.raises(FieldErrors):
        parse_context({"calcium_mmol_per_l": raw})


def test_every_field_has_a_label_a_source_and_a_known_kind() -> None:
    for spec in context_fields():
        assert spec.label and spec.source
        assert spec.kind in {"yes_no", "number", "count"}
        if spec.kind != "yes_no":
            assert spec.low is not None and spec.high is not None
