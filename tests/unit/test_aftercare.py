"""Aftercare instructions and symptom escalation (Bain 2003; NICE CG151)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.pathway.aftercare import (
    CheckIn,
    EscalationLevel,
    aftercare_instructions,
    escalate,
)
from marrowscope.domain.pathway.safety import Sedation

AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def test_sedation_adds_no_driving_advice() -> None:
    local = aftercare_instructions(Sedation.LOCAL)
    sedated = aftercare_instructions(Sedation.CONSCIOUS, on_anticoagulant=True)

    assert not any("drive" in line for line in local)
    assert any("do not drive" in line for line in sedated)
    assert any("blood thinner" in line for line in sedated)


@pytest.mark.parametrize(
    ("symptoms", "temp", "neutrophils", "level"),
    [
        ((), None, None, EscalationLevel.NONE),
        (("mild_soreness",), None, None, EscalationLevel.ROUTINE),
        (("redness",), None, None, EscalationLevel.SAME_DAY),
        (("swelling", "increasing_pain"), None, None, EscalationLevel.SAME_DAY),
        (("bleeding_not_stopped",), None, None, EscalationLevel.URGENT),
        (("fever",), None, 3.0, EscalationLevel.SAME_DAY),
        (("fever",), None, 0.9, EscalationLevel.URGENT),  # neutropenic
        ((), 38.0, 0.5, EscalationLevel.URGENT),  # a measured fever counts
        ((), 37.9, 0.5, EscalationLevel.NONE),
    ],
)
def test_symptoms_escalate(
    symptoms: tuple[str, ...], temp: float | None, neutrophils: float | None, level: EscalationLevel
) -> None:
    result = escalate(CheckIn(AT, symptoms, temp), neutrophils_per_nl=neutrophils)

    assert result.level is level


def test_unknown_symptom_and_impossible_temperature_are_refused() -> None:
    with pytest.raises(InvalidInput, match="symptoms"):
        escalate(CheckIn(AT, ("headache",)), neutrophils_per_nl=None)
    with pytest.raises(InvalidMeasurement, match="temperature_c"):
        escalate(CheckIn(AT, (), 98.6), neutrophils_per_nl=None)
