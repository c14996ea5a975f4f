"""ELN 2022 and IMWG 2016 response categories, proposed as "consistent with" from a
repeat marrow against the patient's earlier examinations (tables/response_criteria.toml).

Thresholds are tested at, just below and just above the published values (Döhner 2022,
Blood 140:1345, response table; Kumar 2016, Lancet Oncol 17:e328, response panel).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.diagnosis.classification import DiagnosticFindings
from marrowscope.domain.diagnosis.findings import CriterionStatus
from marrowscope.domain.diagnosis.response.examination import Examination, MrdFinding
from marrowscope.domain.diagnosis.response.proposal import propose_response
from marrowscope.domain.errors import NotAllowed

DIAGNOSIS = Examination(
    1,
    date(2026, 1, 5),
    DiagnosticFindings(blasts_percent_marrow=62.0),
    diagnoses=("AML, defined by differentiation",),
)
RECOVERED = DiagnosticFindings(
    blasts_percent_marrow=2.0,
    blasts_percent_blood=0.0,
    auer_rods=False,
    anc_10e9_per_l=1.5,
    platelets_10e9_per_l=150.0,
)


def _day28(findings: DiagnosticFindings, **extra: object) -> Examination:
    entered = {"extramedullary_disease": False}
    return Examination(2, date(2026, 2, 2), findings, entered=entered, **extra)  # type: ignore[arg-type]


def _proposed(current: Examination, earlier: tuple[Examination, ...] = (DIAGNOSIS,)) -> str:
    assessment = propose_response(current, earlier)
    assert assessment.proposed is not None
    return assessment.proposed.name


def test_full_recovery_below_five_percent_blasts_is_complete_remission() -> None:
    assessment = propose_response(_day28(RECOVERED), [DIAGNOSIS])

    assert assessment.proposed is not None
    assert assessment.proposed.name == "complete remission (CR)"
    # only an MRD result could still change it (to CR MRD-)
    assert [m.what for m in assessment.proposed.missing] == [
        "Measurable residual disease not detected (assay and sensitivity reported)"
    ]
    assert assessment.proposed.wording.startswith("Consistent with complete remission")
    assert all(c.status is CriterionStatus.MET for c in assessment.proposed.criteria)


@pytest.mark.parametrize(
    ("blasts", "expected"),
    [
        (4.9, "complete remission (CR)"),
        (5.0, "partial remission (PR)"),
        (5.1, "partial remission (PR)"),
    ],
)
def test_five_percent_marrow_blasts_is_the_remission_boundary(blasts: float, expected: str) -> None:
    assert _proposed(_day28(replace(RECOVERED, blasts_percent_marrow=blasts))) == expected


@pytest.mark.parametrize(
    ("anc", "platelets", "expected"),
    [
        (1.0, 100.0, "complete remission (CR)"),
        (0.99, 100.0, "complete remission with partial haematological recovery (CRh)"),
        (0.5, 50.0, "complete remission with partial haematological recovery (CRh)"),
        (0.49, 50.0, "complete remission with incomplete haematological recovery (CRi)"),
        (0.5, 49.0, "complete remission with incomplete haematological recovery (CRi)"),
    ],
)
def test_blood_count_recovery_separates_cr_crh_and_cri(
    anc: float, platelets: float, expected: str
) -> None:
    findings = replace(RECOVERED, anc_10e9_per_l=anc, platelets_10e9_per_l=platelets)

    assert _proposed(_day28(findings)) == expected


def test_circulating_blasts_leave_a_morphologic_leukaemia_free_state_with_enough_cells() -> None:
    findings = replace(RECOVERED, blasts_percent_blood=2.0)

    counted = _day28(findings, counts={CellClass("BLA"): 4, CellClass("NGS"): 196})

    assert _proposed(counted) == "morphologic leukaemia-free state (MLFS)"
    assert _proposed(_day28(findings)) == "no response"  # too few cells counted, no cellularity


@pytest.mark.parametrize(
    ("blasts", "expected"),
    [(25.0, "partial remission (PR)"), (31.0, "no response"), (25.1, "no response")],
)
def test_partial_remission_needs_5_to_25_percent_and_halving(blasts: float, expected: str) -> None:
    assert _proposed(_day28(replace(RECOVERED, blasts_percent_marrow=blasts))) == expected


def test_blasts_not_halved_from_diagnosis_are_no_partial_remission() -> None:
    diagnosis = replace(DIAGNOSIS, findings=DiagnosticFindings(blasts_percent_marrow=40.0))

    findings = replace(RECOVERED, blasts_percent_marrow=20.1)

    assert _proposed(_day28(findings), (diagnosis,)) == "no response"


def test_blasts_returning_after_a_remission_marrow_are_relapse() -> None:
    remission = Examination(2, date(2026, 2, 2), RECOVERED, diagnoses=())
    relapse = Examination(3, date(2026, 8, 2), replace(RECOVERED, blasts_percent_marrow=12.0))

    assert _proposed(relapse, (DIAGNOSIS, remission)) == "relapse"


def test_mrd_negative_complete_remission_needs_an_mrd_result() -> None:
    negative = (MrdFinding("flow", detected=False, sensitivity=1e-4),)

    assert _proposed(_day28(RECOVERED, mrd=negative)).startswith("complete remission without")
    assert _proposed(_day28(RECOVERED)) == "complete remission (CR)"


def test_unknown_extramedullary_disease_is_named_missing_not_assumed() -> None:
    current = Examination(2, date(2026, 2, 2), RECOVERED)

    proposed = propose_response(current, [DIAGNOSIS]).proposed

    assert proposed is not None and not proposed.settled
    reasons = {m.what: m.could_change for m in proposed.missing}
    assert reasons["Absence of extramedullary disease"] == "needed to settle it"


def test_a_response_without_an_earlier_diagnosis_is_refused_with_the_reason() -> None:
    undiagnosed = replace(DIAGNOSIS, diagnoses=("Myelodysplastic neoplasm with low blasts",))

    with pytest.raises(NotAllowed, match="no earlier examination .* AML or myeloma"):
        propose_response(_day28(RECOVERED), [undiagnosed])


MYELOMA = Examination(
    1,
    date(2026, 1, 5),
    DiagnosticFindings(plasma_cells_percent=40.0),
    diagnoses=("Multiple myeloma",),
)


def _myeloma_after(plasma: float, **entered: object) -> Examination:
    return Examination(2, date(2026, 5, 5), DiagnosticFindings(plasma_cells_percent=plasma),
                       entered=entered)  # fmt: skip


def test_myeloma_below_five_percent_plasma_cells_is_complete_response_awaiting_immunofixation() -> (
    None
):
    proposed = propose_response(_myeloma_after(3.0), [MYELOMA]).proposed

    assert proposed is not None and proposed.name == "complete response (CR)"
    assert "Negative immunofixation on the serum and urine" in {m.what for m in proposed.missing}


def test_myeloma_stays_stable_disease_without_serum_results() -> None:
    proposed = propose_response(_myeloma_after(30.0), [MYELOMA]).proposed

    assert proposed is not None and proposed.name == "stable disease (SD)"
    assert not proposed.settled  # VGPR and PR need the serum M-protein, not given


@pytest.mark.parametrize(("plasma", "progressive"), [(12.5, True), (12.4, False), (9.9, False)])
def test_myeloma_progression_is_a_quarter_above_the_lowest_and_at_least_ten_percent(
    plasma: float, progressive: bool
) -> None:
    low = Examination(2, date(2026, 3, 5), DiagnosticFindings(plasma_cells_percent=10.0))
    now = Examination(3, date(2026, 6, 5), DiagnosticFindings(plasma_cells_percent=plasma))

    name = _proposed(now, (MYELOMA, low))

    assert (name == "progressive disease (PD)") is progressive


def test_smouldering_myeloma_is_no_diagnosis_to_respond_to() -> None:
    smouldering = replace(MYELOMA, diagnoses=("Smouldering multiple myeloma",))

    with pytest.raises(NotAllowed):
        propose_response(_myeloma_after(3.0), [smouldering])
