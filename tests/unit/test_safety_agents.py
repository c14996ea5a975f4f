"""The pre-procedure screen knows agents, not words (docs/preprocedure_rules.md).

Local anaesthetics by class (SmPC 4.3 of each amide: hypersensitivity to amide-type local
anaesthetics; Eggleston 1996: esters cross-react with esters, not with amides),
antiseptics by family, sedatives one by one with their class, every DOAC's hold by
creatinine clearance (EHRA 2021; PAUSE 2019 for dabigatran), the lab policy where
guidelines differ, and impossible times refused.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from marrowscope.config import Settings
from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.pathway.safety import (
    Kind,
    Medication,
    Plan,
    SafetyFinding,
    SafetyPolicy,
    Sedation,
    Severity,
    assess,
    normalise,
    refuse_impossible,
    resolve,
)
from marrowscope.domain.tables import load_table

from .test_safety import AT, PLAN
from .test_safety import SAFE as WELL_PREPARED

# the well-prepared patient of test_safety, fasting times added (the sedation rules read them)
SAFE = replace(
    WELL_PREPARED,
    last_solids_at=AT - timedelta(hours=8),
    last_clear_fluids_at=AT - timedelta(hours=3),
)
AGENTS = load_table("preprocedure_agents")
AMIDES = ["lidocaine", "bupivacaine", "levobupivacaine", "ropivacaine", "prilocaine",
          "mepivacaine", "articaine"]  # fmt: skip
ESTERS = ["procaine", "chloroprocaine", "tetracaine", "benzocaine"]


def _allergy(allergy: str, plan: Plan = PLAN) -> list[SafetyFinding]:
    return [
        f for f in assess(replace(SAFE, allergies=(allergy,)), plan) if f.rule.startswith("allergy")
    ]


def _one(allergy: str, plan: Plan = PLAN) -> SafetyFinding:
    [finding] = _allergy(allergy, plan)
    return finding


# --- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "agent"),
    [
        ("1% lidocaine with adrenaline", "lidocaine"),
        ("Lidocaine 2% 1:200,000 epinephrine", "lidocaine"),
        ("  LIGNOCAINE  ", "lidocaine"),
        ("Xylocaine", "lidocaine"),
        ("Marcaine 0.5%", "bupivacaine"),
        ("Chirocaine", "levobupivacaine"),
        ("Naropin", "ropivacaine"),
        ("Citanest", "prilocaine"),
        ("Carbocaine", "mepivacaine"),
        ("Septocaine", "articaine"),
        ("Ultracaine", "articaine"),
        ("Novocain", "procaine"),
        ("Nesacaine", "chloroprocaine"),
        ("Ametop gel", "tetracaine"),
        ("amethocaine", "tetracaine"),
        ("povidone-iodine 10%", "povidone_iodine"),
        ("Betadine", "povidone_iodine"),
        ("tincture of iodine", "iodine_tincture"),
        ("Hibiscrub", "chlorhexidine"),
        ("ChloraPrep", "chlorhexidine_alcohol"),
        ("chlorhexidine 2% in 70% isopropyl alcohol", "chlorhexidine_alcohol"),
        ("Hypnovel", "midazolam"),
        ("Ativan", "lorazepam"),
        ("Valium", "diazepam"),
        ("Diprivan", "propofol"),
        ("Sublimaze", "fentanyl"),
        ("Ultiva", "remifentanil"),
        ("Ketalar", "ketamine"),
        ("Lidocaíne", "lidocaine"),
    ],
)
def test_names_synonyms_and_brands_resolve_to_one_agent(text: str, agent: str) -> None:
    [named] = resolve(text)

    assert (named.kind, named.key) == (Kind.AGENT, agent)


@pytest.mark.parametrize(
    ("text", "kind", "key"),
    [
        ("amide local anaesthetics", Kind.CLASS, "amide"),
        ("esters", Kind.CLASS, "ester"),
        ("benzodiazepines", Kind.CLASS, "benzodiazepine"),
        ("opiates", Kind.CLASS, "opioid"),
        ("iodine", Kind.CLASS, "iodine"),
        ("local anaesthetic", Kind.CATEGORY, "local_anaesthetic"),
        ("dibucaine", Kind.CATEGORY, "local_anaesthetic"),  # unknown "-caine": which one?
        ("sedation", Kind.CATEGORY, "sedative"),
        ("penicillin", Kind.NOT_USED, "penicillin"),
        ("iodine contrast", Kind.NOT_USED, "contrast"),  # the longest name wins
        ("latex", Kind.LATEX, "latex"),
    ],
)
def test_classes_categories_and_allergens_not_used(text: str, kind: Kind, key: str) -> None:
    [named] = resolve(text)

    assert (named.kind, named.key) == (kind, key)


def test_normalisation_drops_case_strengths_hyphens_and_qualifiers() -> None:
    assert normalise("1% Lidocaine-HCl with Adrenaline (1:200,000)") == ("lidocaine",)
    assert resolve("something unheard of") == ()


def test_every_agent_class_and_rule_of_the_table_is_known_and_cited() -> None:
    classes = AGENTS["classes"]
    for key, row in AGENTS["agents"].items():
        assert row["class"] in classes and set(row.get("also_contains", ())) <= set(classes), key
        assert row["source"], key
    for row in AGENTS["cross_reactivity"]["pairs"]:
        assert row["allergy"] in classes and row["planned"] in classes and row["source"]
    assert {k for k, r in classes.items() if r["category"] == "local_anaesthetic"} == {
        "amide",
        "ester",
    }
    assert {k for k, r in AGENTS["agents"].items() if r["class"] == "amide"} == set(AMIDES)
    assert {k for k, r in AGENTS["agents"].items() if r["class"] == "ester"} == set(ESTERS)


# --- local anaesthetics by class ---------------------------------------------------------


@pytest.mark.parametrize("allergy", AMIDES)
@pytest.mark.parametrize("planned", AMIDES)
def test_an_amide_allergy_stops_every_amide(allergy: str, planned: str) -> None:
    finding = _one(allergy, replace(PLAN, local_anaesthetic=planned))

    assert (finding.rule, finding.severity) == ("allergy.local_anaesthetic", Severity.STOP)
    assert finding.source


@pytest.mark.parametrize("allergy", ESTERS)
@pytest.mark.parametrize("planned", ESTERS)
def test_an_ester_allergy_stops_every_ester(allergy: str, planned: str) -> None:
    finding = _one(allergy, replace(PLAN, local_anaesthetic=planned))

    assert finding.severity is Severity.STOP


@pytest.mark.parametrize("allergy", AMIDES)
@pytest.mark.parametrize("planned", ESTERS)
def test_an_ester_for_an_amide_allergy_proceeds_with_a_named_precaution(
    allergy: str, planned: str
) -> None:
    finding = _one(allergy, replace(PLAN, local_anaesthetic=planned))

    assert finding.severity is Severity.NOTE
    assert "precaution" in finding.message and planned in finding.message
    assert finding.details["precaution"] and finding.details["relation"] == "other_class"


@pytest.mark.parametrize("allergy", ESTERS)
@pytest.mark.parametrize("planned", AMIDES)
def test_an_amide_for_an_ester_allergy_proceeds_preservative_free(
    allergy: str, planned: str
) -> None:
    finding = _one(allergy, replace(PLAN, local_anaesthetic=planned))

    assert finding.severity is Severity.NOTE
    assert "preservative-free" in finding.message and planned in finding.message


def test_the_issue_examples_bupivacaine_lidocaine_and_procaine() -> None:
    assert _one("bupivacaine").severity is Severity.STOP  # lidocaine planned
    procaine = _one("lidocaine", replace(PLAN, local_anaesthetic="procaine"))
    assert procaine.severity is Severity.NOTE and "EGGLESTON1996" in procaine.source


@pytest.mark.parametrize(
    ("allergy", "planned", "expected"),
    [
        ("Marcaine", "1% lidocaine with adrenaline", Severity.STOP),
        ("amide local anaesthetics", "Xylocaine", Severity.STOP),
        ("amides", "Novocain", Severity.NOTE),
        ("esters", "Nesacaine", Severity.STOP),
    ],
)
def test_brands_and_classes_work_on_either_side(
    allergy: str, planned: str, expected: Severity
) -> None:
    assert _one(allergy, replace(PLAN, local_anaesthetic=planned)).severity is expected


@pytest.mark.parametrize("allergy", ["local anaesthetic", "dibucaine", "the dentist's numbing"])
def test_an_allergy_to_an_unknown_agent_asks_which(allergy: str) -> None:
    finding = _one(allergy)

    assert finding.severity is Severity.REVIEW
    assert "ask" in finding.message


def test_an_unknown_planned_agent_is_not_checked_silently() -> None:
    finding = _one("lidocaine", replace(PLAN, local_anaesthetic="zapocaine"))

    assert finding.severity is Severity.REVIEW and "name the agent" in finding.message


def test_a_planned_agent_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(InvalidInput, match="^local_anaesthetic: .* skin antiseptic"):
        assess(SAFE, replace(PLAN, local_anaesthetic="chlorhexidine"))


# --- antiseptics by family ------------------------------------------------------------------

IODINE = ["povidone-iodine", "iodine", "Betadine", "iodine tincture"]


@pytest.mark.parametrize("allergy", IODINE)
@pytest.mark.parametrize("planned", IODINE)
def test_the_iodine_family_is_one(allergy: str, planned: str) -> None:
    finding = _one(allergy, replace(PLAN, antiseptic=planned))

    assert (finding.rule, finding.severity) == ("allergy.antiseptic", Severity.STOP)


@pytest.mark.parametrize("allergy", ["chlorhexidine", "Hibiscrub", "ChloraPrep", "CHG"])
@pytest.mark.parametrize(
    "planned", ["chlorhexidine", "ChloraPrep", "chlorhexidine 0.5% in alcohol"]
)
def test_chlorhexidine_in_any_formulation(allergy: str, planned: str) -> None:
    assert _one(allergy, replace(PLAN, antiseptic=planned)).severity is Severity.STOP


@pytest.mark.parametrize(
    ("allergy", "planned", "expected"),
    [
        ("alcohol", "ChloraPrep", Severity.STOP),  # the product contains alcohol
        ("alcohol", "iodine tincture", Severity.STOP),
        ("alcohol", "chlorhexidine", Severity.NOTE),
        ("chlorhexidine", "povidone-iodine", Severity.NOTE),
        ("povidone-iodine", "chlorhexidine", Severity.NOTE),
        ("shellfish", "povidone-iodine", Severity.NOTE),  # a myth (Schabelman 2010)
        ("contrast dye", "povidone-iodine", Severity.NOTE),
    ],
)
def test_other_families_and_iodine_myths(allergy: str, planned: str, expected: Severity) -> None:
    assert _one(allergy, replace(PLAN, antiseptic=planned)).severity is expected


# --- sedatives one by one ------------------------------------------------------------------

SEDATED = replace(PLAN, sedation=Sedation.CONSCIOUS)


@pytest.mark.parametrize(
    ("allergy", "sedatives", "expected"),
    [
        ("midazolam", ("midazolam",), Severity.STOP),
        ("lorazepam", ("midazolam",), Severity.STOP),  # benzodiazepine class
        ("benzodiazepines", ("diazepam",), Severity.STOP),
        ("midazolam", ("propofol",), Severity.NOTE),
        ("midazolam", ("fentanyl",), Severity.NOTE),
        ("morphine", ("fentanyl",), Severity.STOP),  # morphinomimetics (fentanyl SmPC 4.3)
        ("opioids", ("midazolam", "remifentanil"), Severity.STOP),
        ("fentanyl", ("midazolam",), Severity.NOTE),
        ("propofol", ("Diprivan",), Severity.STOP),
        ("propofol", ("ketamine",), Severity.NOTE),
        ("ketamine", ("Ketalar",), Severity.STOP),
        ("ketamine", ("midazolam",), Severity.NOTE),
        ("sedation", ("midazolam",), Severity.REVIEW),  # which agent?
        ("midazolam", (), Severity.REVIEW),  # sedation planned, no agent named
    ],
)
def test_a_sedative_allergy_applies_to_its_agent_and_class(
    allergy: str, sedatives: tuple[str, ...], expected: Severity
) -> None:
    finding = _one(allergy, replace(SEDATED, sedatives=sedatives))

    assert (finding.rule, finding.severity) == ("allergy.sedative", expected)


def test_no_sedation_no_sedative_finding_beyond_a_note() -> None:
    assert _one("midazolam").severity is Severity.NOTE


def test_a_sedative_named_with_local_anaesthetic_only_is_refused() -> None:
    with pytest.raises(InvalidInput, match="^sedatives: "):
        Plan(planned_at=AT, sedatives=("midazolam",))


def test_soya_or_peanut_allergy_with_propofol_needs_review() -> None:
    with_propofol = _one("peanut", replace(SEDATED, sedatives=("propofol",)))

    assert (with_propofol.rule, with_propofol.severity) == ("allergy.excipient", Severity.REVIEW)
    assert _one("peanut", replace(SEDATED, sedatives=("midazolam",))).severity is Severity.NOTE


@pytest.mark.parametrize("allergy", ["penicillin", "co-amoxiclav", "sulfa", "NSAIDs", "eggs"])
def test_allergens_the_procedure_does_not_use_are_noted(allergy: str) -> None:
    finding = _one(allergy)

    assert (finding.rule, finding.severity) == ("allergy.other", Severity.NOTE)


def test_an_allergy_naming_nothing_known_is_asked_about() -> None:
    finding = _one("blue tablets")

    assert (finding.rule, finding.severity) == ("allergy.unknown", Severity.REVIEW)
    assert "lidocaine" in finding.message and "chlorhexidine" in finding.message


# --- every DOAC by renal function ------------------------------------------------------------


def _drug(
    drug: str, hours: float | None, crcl: float | None, policy: SafetyPolicy | None = None
) -> SafetyFinding:
    last = None if hours is None else AT - timedelta(hours=hours)
    a = replace(SAFE, medications=(Medication(drug, last),), creatinine_clearance_ml_min=crcl)
    [finding] = [f for f in assess(a, PLAN, policy) if f.rule == f"drug.{drug}"]
    return finding


XA = ["apixaban", "rivaroxaban", "edoxaban"]


@pytest.mark.parametrize("drug", XA)
@pytest.mark.parametrize(
    ("crcl", "hold"), [(300, 24), (30.0, 24), (29.9, 36), (15.0, 36)]
)  # fmt: skip
def test_factor_xa_hold_by_clearance_ehra_2021(drug: str, crcl: float, hold: float) -> None:
    assert _drug(drug, hold - 0.1, crcl).severity is Severity.STOP
    assert _drug(drug, hold, crcl).severity is Severity.NOTE
    assert _drug(drug, hold + 0.1, crcl).severity is Severity.NOTE
    assert "EHRA2021" in _drug(drug, hold, crcl).source


@pytest.mark.parametrize(("drug", "lowest"), [*[(d, 15.0) for d in XA], ("dabigatran", 30.0)])
def test_below_the_lowest_band_needs_an_individual_plan(drug: str, lowest: float) -> None:
    below = _drug(drug, 200, lowest - 0.1)

    assert below.severity is Severity.REVIEW and "individual plan" in below.message
    assert _drug(drug, 200, lowest).severity is Severity.NOTE


@pytest.mark.parametrize("drug", [*XA, "dabigatran"])
def test_a_hold_that_needs_a_clearance_not_recorded_asks_for_it(drug: str) -> None:
    waited = _drug(drug, 100, None)
    too_soon = _drug(drug, 23.9, None)  # under the shortest hold whatever the kidneys
    not_timed = _drug(drug, None, None)

    assert waited.severity is Severity.REVIEW and "record the clearance" in waited.message
    assert too_soon.severity is Severity.STOP
    assert not_timed.severity is Severity.REVIEW and "not recorded" in not_timed.message


@pytest.mark.parametrize(("crcl", "hold"), [(50.0, 24), (49.9, 48), (30.0, 48)])
def test_dabigatran_hold_by_clearance_pause_2019(crcl: float, hold: float) -> None:
    assert _drug("dabigatran", hold - 0.1, crcl).severity is Severity.STOP
    assert _drug("dabigatran", hold, crcl).severity is Severity.NOTE


# --- lab policy ----------------------------------------------------------------------------


def test_prophylactic_lmwh_is_not_withheld_by_default_sir_2019() -> None:
    finding = _drug("enoxaparin_prophylactic", 1, None)

    assert finding.severity is Severity.NOTE
    assert "lmwh_prophylactic_hold_hours = 0 h, the guideline default" in finding.source


def test_a_lab_that_holds_prophylactic_lmwh_12_h_says_so() -> None:
    policy = SafetyPolicy(lmwh_prophylactic_hold_hours=12)

    assert _drug("enoxaparin_prophylactic", 11.9, None, policy).severity is Severity.STOP
    met = _drug("enoxaparin_prophylactic", 12, None, policy)
    assert met.severity is Severity.NOTE
    assert "set locally" in met.source and "guideline default is 0 h" in met.source


@pytest.mark.parametrize(
    ("threshold", "platelets", "expected"),
    [
        (20.0, 19.9, Severity.REVIEW),
        (20.0, 20.0, None),
        (20.0, 20.1, None),
        (50.0, 49.9, Severity.REVIEW),
        (50.0, 50.0, None),
        (50.0, 50.1, None),
    ],
)
def test_the_platelet_threshold_is_a_policy(
    threshold: float, platelets: float, expected: Severity | None
) -> None:
    policy = SafetyPolicy(platelet_threshold_per_nl=threshold)
    found = [
        f for f in assess(replace(SAFE, platelets_per_nl=platelets), PLAN, policy)
        if f.rule == "platelets.low"
    ]  # fmt: skip

    assert [f.severity for f in found] == ([] if expected is None else [expected])
    for f in found:
        assert "platelet_threshold_per_nl" in f.source and "SIR2019" in f.source


def test_the_settings_default_to_the_guideline_values_of_the_table() -> None:
    policy = load_table("safety")["policy"]
    settings = Settings()

    assert settings.platelet_threshold_per_nl == policy["platelet_threshold_per_nl"]["default"]
    assert (
        settings.lmwh_prophylactic_hold_hours == policy["lmwh_prophylactic_hold_hours"]["default"]
    )
    assert SafetyPolicy() == SafetyPolicy(
        settings.platelet_threshold_per_nl, settings.lmwh_prophylactic_hold_hours
    )
    with pytest.raises(InvalidInput, match="platelet_threshold_per_nl"):
        SafetyPolicy(platelet_threshold_per_nl=500)


# --- impossible input ---------------------------------------------------------------------


@pytest.mark.parametrize("crcl", [0.0, -5.0, 10_000.0, 300.1])
def test_an_impossible_clearance_is_refused(crcl: float) -> None:
    with pytest.raises(InvalidMeasurement, match="^creatinine_clearance_ml_min: "):
        replace(SAFE, creatinine_clearance_ml_min=crcl)


def test_a_possible_clearance_is_kept() -> None:
    assert replace(SAFE, creatinine_clearance_ml_min=1.0).creatinine_clearance_ml_min == 1.0
    assert replace(SAFE, creatinine_clearance_ml_min=300.0).creatinine_clearance_ml_min == 300.0


@pytest.mark.parametrize(
    ("changes", "born", "field"),
    [
        ({"medications": (Medication("apixaban", AT + timedelta(minutes=1)),)}, None,
         "last_dose_0"),
        ({"medications": (Medication("aspirin", datetime(1950, 1, 1, tzinfo=UTC)),)},
         date(1960, 5, 1), "last_dose_0"),
        ({"platelets_at": SAFE.assessed_at + timedelta(hours=1)}, None, "platelets_at"),
        ({"inr_at": SAFE.assessed_at + timedelta(days=2)}, None, "inr_at"),
        ({"last_solids_at": AT + timedelta(hours=1)}, None, "last_solids_at"),
    ],
)  # fmt: skip
def test_impossible_times_are_refused_naming_the_field(
    changes: dict[str, object], born: date | None, field: str
) -> None:
    a = replace(SAFE, **changes)  # type: ignore[arg-type]

    with pytest.raises(InvalidInput, match=f"^{field}: "):
        refuse_impossible(a, PLAN, born)


def test_a_last_dose_at_the_planned_time_and_a_sample_just_taken_are_possible() -> None:
    a = replace(
        SAFE,
        medications=(Medication("aspirin", AT),),
        platelets_at=SAFE.assessed_at + timedelta(minutes=4),
    )

    refuse_impossible(a, PLAN, date(1960, 5, 1))


def test_the_rule_table_for_sign_off_lists_every_agent_drug_and_policy() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "preprocedure_rules.md").read_text("utf-8")

    for key in AGENTS["agents"]:
        assert f"| {key.replace('_', ' ')} |" in doc, key
    for key in load_table("safety")["drugs"]:
        assert key in doc, key
    for key in load_table("safety")["policy"]:
        assert f"`{key}`" in doc, key
    assert "## Sign-off" in doc
