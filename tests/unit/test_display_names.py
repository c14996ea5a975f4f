"""Stored keys and enum values read as words with units; critical limits at their edges."""

from __future__ import annotations

import pytest

from marrowscope.domain.display_names import label_of, measure_text, number_text, unit_of
from marrowscope.domain.lab import TestState
from marrowscope.domain.pathway.critical_values import critical_value
from marrowscope.domain.pathway.procedure import Site


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("hb", "Haemoglobin"),
        (Site.POSTERIOR_ILIAC_CREST, "Posterior iliac crest"),
        (TestState.IN_PROCESS, "In process"),
        ("blasts_percent", "Blasts in blood"),
        ("BLA", "Blast"),
        ("pancytopenia", "Unexplained bicytopenia or pancytopenia"),
        ("cbc_recorded", "Blood count recorded"),
        ("spo2", "Oxygen saturation"),
    ],
)
def test_keys_read_as_words(key: object, words: str) -> None:
    assert label_of(key) == words


def test_values_carry_their_units_without_float_noise() -> None:
    assert measure_text(92.0, "hb") == "92 g/L"
    assert measure_text(0.9, "neutrophils") == "0.9 ×10⁹/L"
    assert measure_text(2, "blasts_percent") == "2 %"
    assert unit_of("rbc") == "×10¹²/L"
    assert unit_of("unknown_key") == ""
    assert number_text(None) == "—"
    assert number_text(0.1 + 0.2) == "0.3"


@pytest.mark.parametrize(
    ("analyte", "value", "critical"),
    [
        ("neutrophils", 0.5, False),  # at the limit: not critical (the sources say "< 0.5")
        ("neutrophils", 0.49, True),
        ("platelets", 20, False),
        ("platelets", 19, True),
        ("platelets", 1001, True),
        ("hb", 69, True),
        ("hb", 92, False),
        ("mcv", 130, False),  # no critical limit listed
    ],
)
def test_critical_limits_at_just_below_and_just_above(
    analyte: str, value: float, critical: bool
) -> None:
    found = critical_value(analyte, value)

    assert (found is not None) is critical
    if found is not None:
        assert found.source
