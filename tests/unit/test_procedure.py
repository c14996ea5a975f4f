"""Procedure record rules and vital-sign alerts (NEWS2 bands, RCP 2017)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from marrowscope.domain.errors import InvalidInput, InvalidMeasurement, NotAllowed
from marrowscope.domain.pathway.procedure import ProcedureRecord, Side, Site, validate_procedure
from marrowscope.domain.pathway.safety import Sedation
from marrowscope.domain.pathway.vitals import VitalLevel, check_vital, make_vital

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GOOD = ProcedureRecord(
    operator="dr.paul",
    site=Site.POSTERIOR_ILIAC_CREST,
    side=Side.LEFT,
    sedation=Sedation.LOCAL,
    time_out_at=T0,
    started_at=T0 + timedelta(minutes=2),
    aspirate_at=T0 + timedelta(minutes=5),
    biopsy_at=T0 + timedelta(minutes=10),
    ended_at=T0 + timedelta(minutes=15),
    core_length_mm=20,
    observation_minutes=30,
)
ADULT_MONTHS = 50 * 12


def test_a_complete_record_passes_without_warnings() -> None:
    assert validate_procedure(GOOD, patient_age_months=ADULT_MONTHS) == []


def test_the_sternum_gives_an_aspirate_only() -> None:
    sternal = replace(GOOD, site=Site.STERNUM, side=Side.MIDLINE)

    with pytest.raises(NotAllowed, match="no trephine biopsy from the sternum"):
        validate_procedure(sternal, patient_age_months=ADULT_MONTHS)
    aspirate_only = replace(sternal, biopsy_at=None, core_length_mm=None)
    assert validate_procedure(aspirate_only, patient_age_months=ADULT_MONTHS) == []


def test_the_sternum_is_midline_and_the_crest_has_a_side() -> None:
    with pytest.raises(InvalidInput, match="side"):
        validate_procedure(replace(GOOD, side=Side.MIDLINE), patient_age_months=ADULT_MONTHS)


@pytest.mark.parametrize(("months", "allowed"), [(6, True), (18, True), (19, False)])
def test_the_tibia_is_for_infants_only(months: int, allowed: bool) -> None:
    tibial = replace(GOOD, site=Site.TIBIA, biopsy_at=None, core_length_mm=None)

    if allowed:
        validate_procedure(tibial, patient_age_months=months)
    else:
        with pytest.raises(NotAllowed, match="infants"):
            validate_procedure(tibial, patient_age_months=months)


def test_the_aspirate_comes_before_the_biopsy() -> None:
    swapped = replace(GOOD, aspirate_at=GOOD.biopsy_at, biopsy_at=GOOD.aspirate_at)

    with pytest.raises(NotAllowed, match="aspirate is taken before"):
        validate_procedure(swapped, patient_age_months=ADULT_MONTHS)


def test_the_time_out_comes_before_the_start() -> None:
    late = replace(GOOD, time_out_at=GOOD.started_at + timedelta(minutes=1))

    with pytest.raises(InvalidInput, match="time-out"):
        validate_procedure(late, patient_age_months=ADULT_MONTHS)


@pytest.mark.parametrize(
    ("length", "outcome"),
    [(14.9, "core.short"), (15.0, None), (0, InvalidMeasurement), (61, InvalidMeasurement)],
)
def test_core_length_adequacy_at_15_mm(length: float, outcome: object) -> None:
    record = replace(GOOD, core_length_mm=length)

    if outcome is InvalidMeasurement:
        with pytest.raises(InvalidMeasurement, match="core_length_mm"):
            validate_procedure(record, patient_age_months=ADULT_MONTHS)
    else:
        codes = [w.code for w in validate_procedure(record, patient_age_months=ADULT_MONTHS)]
        assert codes == ([] if outcome is None else [outcome])


def test_a_dry_tap_is_recorded_with_advice() -> None:
    codes = [
        w.code
        for w in validate_procedure(replace(GOOD, dry_tap=True), patient_age_months=ADULT_MONTHS)
    ]

    assert codes == ["dry_tap"]


def test_sedation_needs_a_longer_observation() -> None:
    sedated = replace(GOOD, sedation=Sedation.CONSCIOUS, observation_minutes=30)

    assert [w.code for w in validate_procedure(sedated, patient_age_months=ADULT_MONTHS)] == [
        "observation.short"
    ]


@pytest.mark.parametrize(
    ("sign", "value", "level"),
    [
        ("heart_rate", 40, VitalLevel.ALERT),
        ("heart_rate", 41, VitalLevel.WATCH),
        ("heart_rate", 75, None),
        ("heart_rate", 91, VitalLevel.WATCH),
        ("heart_rate", 131, VitalLevel.ALERT),
        ("systolic_bp", 90, VitalLevel.ALERT),
        ("systolic_bp", 111, None),
        ("spo2", 91, VitalLevel.ALERT),
        ("spo2", 96, None),
        ("respiratory_rate", 25, VitalLevel.ALERT),
        ("temperature", 38.1, VitalLevel.WATCH),
    ],
)
def test_vital_sign_bands(sign: str, value: float, level: VitalLevel | None) -> None:
    alert = check_vital(make_vital(T0, sign, value))

    assert (alert.level if alert else None) is level


@pytest.mark.parametrize(
    ("sign", "value", "unit"),
    [
        ("heart_rate", 400, None),
        ("spo2", 101, None),
        ("temperature", 98.6, "C"),  # Fahrenheit typed into a Celsius field
        ("temperature", 37, "F"),
        ("pulse_pressure", 40, None),
    ],
)
def test_impossible_vital_signs_are_refused(sign: str, value: float, unit: str | None) -> None:
    with pytest.raises(InvalidMeasurement, match=sign):
        make_vital(T0, sign, value, unit)


def test_alerts_of_a_record_are_in_time_order() -> None:
    vitals = (
        make_vital(T0 + timedelta(minutes=10), "spo2", 90),
        make_vital(T0, "heart_rate", 135),
    )

    alerts = replace(GOOD, vitals=vitals).alerts

    assert [a.sign for a in alerts] == ["heart_rate", "spo2"]
