"""Pre-procedure safety rules, table-driven at each threshold of tables/safety.toml.

Thresholds (SIR 2019, Patel IJ et al., J Vasc Interv Radiol 2019;30:1168-1184, bone
marrow biopsy = low bleeding risk): platelets < 20 x10^9/L -> review; INR > 2.0 ->
review, > 3.0 -> stop; DOAC hold times from PAUSE 2019; fasting from ASA 2017.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.pathway.safety import (
    Assessment,
    ConsentBy,
    Medication,
    Plan,
    Pregnancy,
    SafetyFinding,
    Sedation,
    Severity,
    assess,
    overall,
)
from marrowscope.domain.tables import load_table

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PLAN = Plan(planned_at=AT)
SAFE = Assessment(
    assessed_at=AT - timedelta(hours=1),
    age_years=60,
    sex="male",
    platelets_per_nl=200,
    platelets_at=AT - timedelta(hours=20),
    inr=1.0,
    inr_at=AT - timedelta(hours=20),
    driver_home=True,
    consent_by=ConsentBy.PATIENT,
    consent_signed_by="J Doe",
)


def _rules(findings: list[SafetyFinding], prefix: str) -> dict[str, Severity]:
    return {f.rule: f.severity for f in findings if f.rule.startswith(prefix)}


def test_a_well_prepared_patient_has_no_finding() -> None:
    assert assess(SAFE, PLAN) == []
    assert overall([]) is None


@pytest.mark.parametrize(
    ("platelets", "expected"),
    [(19.9, Severity.REVIEW), (20.0, None), (20.1, None), (5.0, Severity.REVIEW)],
)
def test_platelet_threshold_is_20(platelets: float, expected: Severity | None) -> None:
    findings = assess(replace(SAFE, platelets_per_nl=platelets), PLAN)

    assert _rules(findings, "platelets").get("platelets.low") == expected


@pytest.mark.parametrize(
    ("inr", "rule", "expected"),
    [
        (2.0, None, None),
        (2.01, "inr.borderline", Severity.REVIEW),
        (3.0, "inr.borderline", Severity.REVIEW),
        (3.01, "inr.high", Severity.STOP),
    ],
)
def test_inr_thresholds_2_and_3(inr: float, rule: str | None, expected: Severity | None) -> None:
    found = _rules(assess(replace(SAFE, inr=inr), PLAN), "inr")

    assert found == ({} if rule is None else {rule: expected})


def test_each_rule_cites_the_source_of_its_threshold() -> None:
    [finding] = assess(replace(SAFE, inr=3.5), PLAN)

    assert "SIR2019" in finding.source
    assert "SIR2019" in load_table("safety")["inr"]["source"]


@pytest.mark.parametrize(
    ("drug", "hold_hours", "crcl"),
    [
        # EHRA 2021, low-risk intervention: >= 24 h at CrCl >= 30, >= 36 h at 15-29
        *[(x, 24, c) for x in ("apixaban", "rivaroxaban", "edoxaban") for c in (30.0, 30.1, 90)],
        *[(x, 36, c) for x in ("apixaban", "rivaroxaban", "edoxaban") for c in (15.0, 29.9)],
        # PAUSE 2019: dabigatran 1 day at CrCl >= 50, 2 days at 30-49
        ("dabigatran", 24, 80.0),
        ("dabigatran", 24, 50.0),
        ("dabigatran", 48, 49.9),
        ("dabigatran", 48, 30.0),
        ("enoxaparin_therapeutic", 24, None),
        ("heparin_infusion", 4, None),
    ],
)
def test_each_anticoagulant_hold_time(drug: str, hold_hours: int, crcl: float | None) -> None:
    def at(hours_before: float) -> Severity:
        med = Medication(drug, AT - timedelta(hours=hours_before))
        a = replace(SAFE, medications=(med,), creatinine_clearance_ml_min=crcl)
        return _rules(assess(a, PLAN), "drug.")[f"drug.{drug}"]

    assert at(hold_hours - 0.5) is Severity.STOP
    assert at(hold_hours) is Severity.NOTE
    assert at(hold_hours + 0.5) is Severity.NOTE


def test_an_anticoagulant_without_last_dose_time_needs_review() -> None:
    a = replace(SAFE, medications=(Medication("apixaban", None),), creatinine_clearance_ml_min=80)

    assert _rules(assess(a, PLAN), "drug.") == {"drug.apixaban": Severity.REVIEW}


@pytest.mark.parametrize("drug", ["aspirin", "clopidogrel", "prasugrel", "ticagrelor", "ibuprofen"])
def test_antiplatelets_and_nsaids_continue_for_a_low_risk_procedure(drug: str) -> None:
    a = replace(SAFE, medications=(Medication(drug, AT - timedelta(hours=1)),))

    assert _rules(assess(a, PLAN), "drug.") == {f"drug.{drug}": Severity.NOTE}


def test_two_antithrombotics_together_need_review() -> None:
    meds = (Medication("aspirin", AT), Medication("clopidogrel", AT))

    assert _rules(assess(replace(SAFE, medications=meds), PLAN), "drug.combined") == {
        "drug.combined": Severity.REVIEW
    }


def test_warfarin_without_a_recent_inr_is_a_stop() -> None:
    a = replace(SAFE, medications=(Medication("warfarin", AT - timedelta(days=4)),), inr=None)

    assert _rules(assess(a, PLAN), "inr") == {"inr.missing": Severity.STOP}


def test_an_inr_older_than_72_hours_counts_as_missing() -> None:
    a = replace(
        SAFE, medications=(Medication("warfarin", None),), inr_at=AT - timedelta(hours=72.5)
    )

    assert _rules(assess(a, PLAN), "inr") == {"inr.missing": Severity.STOP}


@pytest.mark.parametrize(
    ("allergy", "plan", "expected"),
    [
        ("lidocaine", PLAN, Severity.STOP),
        ("Lidocaine", PLAN, Severity.STOP),
        # another amide local anaesthetic is no way round it (SmPC 4.3: amide class)
        ("lidocaine", replace(PLAN, local_anaesthetic="prilocaine"), Severity.STOP),
        ("chlorhexidine", PLAN, Severity.STOP),
        ("chlorhexidine", replace(PLAN, antiseptic="iodine"), Severity.NOTE),
        ("iodine", PLAN, Severity.NOTE),
        ("iodine", replace(PLAN, antiseptic="iodine"), Severity.STOP),
        ("latex", PLAN, Severity.REVIEW),
        ("latex", replace(PLAN, latex_free=True), Severity.NOTE),
        ("midazolam", PLAN, Severity.NOTE),
        # sedation planned without a named agent: name it (the allergy is to one agent)
        ("midazolam", replace(PLAN, sedation=Sedation.CONSCIOUS), Severity.REVIEW),
        (
            "midazolam",
            replace(PLAN, sedation=Sedation.CONSCIOUS, sedatives=("midazolam",)),
            Severity.STOP,
        ),
    ],
)
def test_allergy_to_an_agent_in_the_plan_is_a_stop(
    allergy: str, plan: Plan, expected: Severity
) -> None:
    a = replace(
        SAFE,
        allergies=(allergy,),
        last_solids_at=AT - timedelta(hours=8),
        last_clear_fluids_at=AT - timedelta(hours=3),
    )

    [severity] = _rules(assess(a, plan), "allergy").values()

    assert severity is expected


@pytest.mark.parametrize(
    ("sex", "age", "pregnancy", "expected"),
    [
        ("female", 30, Pregnancy.PREGNANT, Severity.REVIEW),
        ("female", 30, Pregnancy.UNKNOWN, Severity.REVIEW),
        ("female", 30, Pregnancy.NOT_PREGNANT, None),
        ("female", 56, Pregnancy.UNKNOWN, None),
        ("male", 30, Pregnancy.NOT_APPLICABLE, None),
    ],
)
def test_pregnancy(sex: str, age: int, pregnancy: Pregnancy, expected: Severity | None) -> None:
    a = replace(SAFE, sex=sex, age_years=age, pregnancy=pregnancy)

    found = _rules(assess(a, PLAN), "pregnancy")

    assert (next(iter(found.values())) if found else None) == expected


@pytest.mark.parametrize(
    ("solids_h", "fluids_h", "expected"),
    [
        (6.0, 2.0, {}),
        (5.9, 2.0, {"fasting.solids": Severity.STOP}),
        (6.0, 1.9, {"fasting.clear_fluids": Severity.STOP}),
    ],
)
def test_fasting_before_sedation_6h_solids_2h_fluids(
    solids_h: float, fluids_h: float, expected: dict[str, Severity]
) -> None:
    a = replace(
        SAFE,
        last_solids_at=AT - timedelta(hours=solids_h),
        last_clear_fluids_at=AT - timedelta(hours=fluids_h),
    )

    assert _rules(assess(a, replace(PLAN, sedation=Sedation.CONSCIOUS)), "fasting") == expected


def test_fasting_does_not_apply_to_local_anaesthesia_alone() -> None:
    a = replace(SAFE, last_solids_at=AT - timedelta(minutes=30), driver_home=False)

    assert assess(a, PLAN) == []


def test_sedation_without_an_escort_is_a_stop() -> None:
    a = replace(
        SAFE,
        driver_home=False,
        last_solids_at=AT - timedelta(hours=8),
        last_clear_fluids_at=AT - timedelta(hours=8),
    )

    assert _rules(assess(a, replace(PLAN, sedation=Sedation.GENERAL)), "escort") == {
        "escort": Severity.STOP
    }


@pytest.mark.parametrize(
    ("age", "by", "expected"),
    [
        (17, ConsentBy.PATIENT, {"consent.minor": Severity.STOP}),
        (17, ConsentBy.GUARDIAN, {}),
        (18, ConsentBy.PATIENT, {}),
        (40, ConsentBy.NONE, {"consent": Severity.STOP}),
    ],
)
def test_consent_and_guardian_for_a_minor(
    age: int, by: ConsentBy, expected: dict[str, Severity]
) -> None:
    a = replace(SAFE, age_years=age, consent_by=by)

    assert _rules(assess(a, PLAN), "consent") == expected


def test_known_bleeding_disorder_needs_review_and_findings_sort_stop_first() -> None:
    a = replace(SAFE, bleeding_disorder="von Willebrand disease type 1", inr=3.5)

    findings = assess(a, PLAN)

    assert [f.severity for f in findings] == [Severity.STOP, Severity.REVIEW]
    assert overall(findings) is Severity.STOP


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("inr", 25.0, InvalidMeasurement),
        ("platelets_per_nl", -1.0, InvalidMeasurement),
        ("age_years", 140, InvalidInput),
    ],
)
def test_impossible_values_are_refused(field: str, value: float, error: type[Exception]) -> None:
    with pytest.raises(error, match=field.split("_")[0]):
        replace(SAFE, **{field: value})
