"""Blood count: units converted, impossible values refused, reference intervals, indications.

Adult intervals from Dacie and Lewis Practical Haematology 12th ed. (2017), ch. 2.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowscope.domain.cases.model import Sex
from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.pathway.cbc import (
    ANALYTES,
    Direction,
    analyte_info,
    evaluate,
    parse_blood_count,
    to_canonical,
)
from marrowscope.domain.pathway.indication import Indication, make_order, suggest_indications

AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("key", "value", "unit", "canonical"),
    [
        ("hb", 9.2, "g/dL", 92.0),
        ("hb", 92, "g/L", 92.0),
        ("platelets", 64000, "/uL", 64.0),
        ("platelets", 64, "x10^3/µL", 64.0),
        ("hct", 42, "%", 0.42),
        ("wbc", 3.1, "×10^9/L", 3.1),
    ],
)
def test_units_convert_to_the_canonical_unit(
    key: str, value: float, unit: str, canonical: float
) -> None:
    assert to_canonical(key, value, unit) == pytest.approx(canonical)


@pytest.mark.parametrize(
    ("key", "value", "unit", "message"),
    [
        ("hb", 92, "mg/dL", "hb: unknown unit"),
        ("hb", 300, "g/L", "hb: 300 g/L is outside what is possible"),
        ("hb", 92, "g/dL", "hb: 92 g/dL is outside"),  # a g/L value typed as g/dL
        ("platelets", -5, "x10^9/L", "platelets"),
        ("mcv", float("nan"), "fL", "mcv"),
        ("ferritin", 10, "ug/L", "ferritin: unknown analyte"),
    ],
)
def test_unknown_units_and_impossible_values_name_the_field(
    key: str, value: float, unit: str, message: str
) -> None:
    with pytest.raises(InvalidMeasurement, match=message):
        to_canonical(key, value, unit)


def test_a_differential_larger_than_the_white_count_is_refused() -> None:
    with pytest.raises(InvalidMeasurement, match="differential"):
        parse_blood_count(AT, {"wbc": 3.0, "neutrophils": 2.5, "lymphocytes": 2.0})


def test_a_naive_collection_time_is_refused() -> None:
    with pytest.raises(InvalidMeasurement, match="collected_at"):
        parse_blood_count(datetime(2026, 3, 1), {"hb": 120})


@pytest.mark.parametrize(
    ("sex", "hb", "direction"),
    [
        (Sex.MALE, 129.9, Direction.LOW),
        (Sex.MALE, 130.0, Direction.NORMAL),
        (Sex.FEMALE, 125.0, Direction.NORMAL),
        (Sex.FEMALE, 119.0, Direction.LOW),
        (Sex.FEMALE, 151.0, Direction.HIGH),
        (Sex.UNKNOWN, 121.0, Direction.NORMAL),  # the wider, union interval
    ],
)
def test_haemoglobin_interval_depends_on_sex(sex: Sex, hb: float, direction: Direction) -> None:
    [flag] = evaluate(parse_blood_count(AT, {"hb": hb}), sex)

    assert flag.direction is direction


def test_pancytopenia_with_blasts_suggests_two_indications() -> None:
    count = parse_blood_count(
        AT, {"hb": 92, "neutrophils": 0.9, "wbc": 2.9, "platelets": 64, "blasts_percent": 2}
    )

    suggestions = suggest_indications(evaluate(count, Sex.MALE))

    assert [s.indication for s in suggestions] == [
        Indication.PANCYTOPENIA,
        Indication.BLASTS_IN_BLOOD,
    ]
    assert suggestions[0].text.startswith("Consider bone marrow examination")
    assert "ICSH2008" in suggestions[0].source


def test_a_normal_count_suggests_nothing() -> None:
    count = parse_blood_count(AT, {"hb": 145, "wbc": 6.0, "platelets": 250, "blasts_percent": 0})

    assert suggest_indications(evaluate(count, Sex.MALE)) == []


def test_an_isolated_cytopenia_and_a_cytosis() -> None:
    count = parse_blood_count(AT, {"hb": 145, "platelets": 900})
    low = parse_blood_count(AT, {"hb": 145, "platelets": 40})

    assert [s.indication for s in suggest_indications(evaluate(count, Sex.MALE))] == [
        Indication.UNEXPLAINED_CYTOSIS
    ]
    assert [s.indication for s in suggest_indications(evaluate(low, Sex.MALE))] == [
        Indication.UNEXPLAINED_CYTOPENIA
    ]


def test_an_order_needs_an_indication_and_other_needs_details() -> None:
    with pytest.raises(InvalidInput, match="indications"):
        make_order([], "x", "routine", ordered_by="a", ordered_at=AT)
    with pytest.raises(InvalidInput, match="clinical_details"):
        make_order(["other"], " ", "routine", ordered_by="a", ordered_at=AT)
    with pytest.raises(InvalidInput):
        make_order(["not_an_indication"], "", "routine", ordered_by="a", ordered_at=AT)


@given(st.floats(min_value=0.0, max_value=5000.0))
def test_platelets_in_per_microlitre_and_per_nanolitre_agree(value: float) -> None:
    """Converting x10^9/L to /uL and back gives the same canonical value."""
    assert to_canonical("platelets", value * 1000, "/uL") == pytest.approx(
        to_canonical("platelets", value, "x10^9/L"), abs=1e-5
    )


@pytest.mark.parametrize("key", ANALYTES)
def test_every_analyte_is_flagged_just_outside_its_interval_and_not_at_its_limits(
    key: str,
) -> None:
    info = analyte_info(key)
    low, high = info.interval(Sex.MALE)
    lo_possible, hi_possible = info.possible
    step = 0.001 if info.unit in ("L/L",) else 0.01

    def direction(value: float) -> Direction:
        [flag] = evaluate(parse_blood_count(AT, {key: value}), Sex.MALE)
        return flag.direction

    assert direction(low) is Direction.NORMAL
    assert direction(high) is Direction.NORMAL
    if low - step >= lo_possible:
        assert direction(low - step) is Direction.LOW
    assert direction(high + step) is Direction.HIGH
    assert info.loinc and info.ucum and info.source
