"""IMWG 2014 candidates (Rajkumar 2014), ISS (Greipp 2005), R-ISS (Palumbo 2015), R2-ISS
(D'Agostino 2022). Expectations written by hand from the papers, at and either side of
each threshold.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from marrowscope.domain.diagnosis.findings import Candidate
from marrowscope.domain.diagnosis.risk.myeloma import (
    MGUS,
    MULTIPLE_MYELOMA,
    SMOULDERING,
    MyelomaStagingFindings,
    PlasmaCellFindings,
    imwg2014_candidates,
    iss_stage,
    r2iss_stage,
    riss_stage,
)
from marrowscope.domain.errors import InvalidMeasurement

# Every input known and none abnormal: plasma cells 5 %, serum M-protein 15 g/L.
BASE = PlasmaCellFindings(
    clonal_bm_plasma_cells_percent=5,
    serum_m_protein_g_per_l=15,
    urine_m_protein_mg_per_24h=100,
    calcium_mmol_per_l=2.40,
    calcium_uln_mmol_per_l=2.60,
    creatinine_clearance_ml_per_min=90,
    creatinine_umol_per_l=80,
    haemoglobin_g_per_l=135,
    haemoglobin_lln_g_per_l=120,
    osteolytic_lesions_count=0,
    involved_flc_mg_per_l=30,
    uninvolved_flc_mg_per_l=10,
    mri_focal_lesions_count=0,
)
# The same with 20 % clonal plasma cells: smouldering unless a myeloma-defining event.
SMM_BASE = replace(BASE, clonal_bm_plasma_cells_percent=20)


def only(f: PlasmaCellFindings, **change: Any) -> str:
    """The single, settled candidate for ``f`` with ``change`` applied."""
    result = imwg2014_candidates(replace(f, **change))
    assert len(result) == 1, [c.name for c in result]
    assert result[0].settled, result[0].missing
    return result[0].name


def names(result: tuple[Candidate, ...]) -> list[tuple[str, bool]]:
    return [(c.name, c.settled) for c in result]


def test_baseline_is_mgus() -> None:
    assert only(BASE) == MGUS
    assert only(SMM_BASE) == SMOULDERING


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (9, MGUS),
        (9.9, MGUS),
        (10, SMOULDERING),
        (59, SMOULDERING),
        (59.9, SMOULDERING),
        (60, MULTIPLE_MYELOMA),
    ],
)
def test_clonal_plasma_cell_thresholds(percent: float, expected: str) -> None:
    assert only(BASE, clonal_bm_plasma_cells_percent=percent) == expected


@pytest.mark.parametrize(("m_protein", "expected"), [(29, MGUS), (29.9, MGUS), (30, SMOULDERING)])
def test_serum_m_protein_threshold(m_protein: float, expected: str) -> None:
    assert only(BASE, serum_m_protein_g_per_l=m_protein) == expected


@pytest.mark.parametrize(("urine", "expected"), [(499, MGUS), (500, SMOULDERING)])
def test_urine_m_protein_threshold(urine: float, expected: str) -> None:
    assert only(BASE, urine_m_protein_mg_per_24h=urine) == expected


@pytest.mark.parametrize(
    ("involved", "uninvolved", "expected"),
    [
        (990, 10, SMOULDERING),  # ratio 99
        (1000, 10, MULTIPLE_MYELOMA),  # ratio 100
        (1010, 10, MULTIPLE_MYELOMA),  # ratio 101
        (99, 0.5, SMOULDERING),  # ratio 198, involved FLC 99 mg/L
        (100, 1, MULTIPLE_MYELOMA),  # ratio 100, involved FLC 100 mg/L
    ],
)
def test_flc_ratio_and_involved_flc(involved: float, uninvolved: float, expected: str) -> None:
    change = {"involved_flc_mg_per_l": involved, "uninvolved_flc_mg_per_l": uninvolved}
    assert only(SMM_BASE, **change) == expected


@pytest.mark.parametrize(
    ("calcium", "uln", "expected"),
    [
        (2.75, 2.65, SMOULDERING),  # absolute: not > 2.75; 0.10 above ULN
        (2.76, 2.65, MULTIPLE_MYELOMA),  # absolute > 2.75
        (2.70, 2.45, SMOULDERING),  # exactly 0.25 above ULN: not > 0.25
        (2.71, 2.45, MULTIPLE_MYELOMA),  # 0.26 above ULN
    ],
)
def test_calcium(calcium: float, uln: float, expected: str) -> None:
    change = {"calcium_mmol_per_l": calcium, "calcium_uln_mmol_per_l": uln}
    assert only(SMM_BASE, **change) == expected


@pytest.mark.parametrize(
    ("clearance", "creatinine", "expected"),
    [
        (39, 80, MULTIPLE_MYELOMA),
        (40, 80, SMOULDERING),
        (60, 177, SMOULDERING),
        (60, 178, MULTIPLE_MYELOMA),
    ],
)
def test_renal(clearance: float, creatinine: float, expected: str) -> None:
    change = {"creatinine_clearance_ml_per_min": clearance, "creatinine_umol_per_l": creatinine}
    assert only(SMM_BASE, **change) == expected


@pytest.mark.parametrize(
    ("hb", "lln", "expected"),
    [
        (99, 100, MULTIPLE_MYELOMA),  # < 100 g/L
        (100, 110, SMOULDERING),  # not < 100, 10 below LLN
        (110, 130, SMOULDERING),  # exactly 20 below LLN: not > 20
        (109, 130, MULTIPLE_MYELOMA),  # 21 below LLN
    ],
)
def test_anaemia(hb: float, lln: float, expected: str) -> None:
    change = {"haemoglobin_g_per_l": hb, "haemoglobin_lln_g_per_l": lln}
    assert only(SMM_BASE, **change) == expected


@pytest.mark.parametrize(("lesions", "expected"), [(0, SMOULDERING), (1, MULTIPLE_MYELOMA)])
def test_osteolytic_lesions(lesions: int, expected: str) -> None:
    assert only(SMM_BASE, osteolytic_lesions_count=lesions) == expected


@pytest.mark.parametrize(("lesions", "expected"), [(1, SMOULDERING), (2, MULTIPLE_MYELOMA)])
def test_mri_focal_lesions(lesions: int, expected: str) -> None:
    assert only(SMM_BASE, mri_focal_lesions_count=lesions) == expected


def test_plasmacytoma_with_crab_is_myeloma_below_10_percent() -> None:
    assert only(BASE, biopsy_proven_plasmacytoma=True, haemoglobin_g_per_l=90) == MULTIPLE_MYELOMA


def test_crab_without_10_percent_or_plasmacytoma_fits_no_category() -> None:
    assert imwg2014_candidates(replace(BASE, haemoglobin_g_per_l=90)) == ()


def test_amyloidosis_excludes_smouldering_and_mgus() -> None:
    assert imwg2014_candidates(replace(SMM_BASE, amyloidosis=True)) == ()
    assert imwg2014_candidates(replace(BASE, amyloidosis=True)) == ()


def test_mgus_needs_an_m_protein() -> None:
    assert imwg2014_candidates(replace(BASE, serum_m_protein_g_per_l=0)) == ()


def test_criteria_are_traced() -> None:
    (mm,) = imwg2014_candidates(replace(SMM_BASE, osteolytic_lesions_count=1))
    statuses = {c.id: c.status.value for c in mm.criteria}
    assert statuses["imwg2014.bmpc_ge_10"] == "met"
    assert statuses["imwg2014.crab_bone"] == "met"
    assert statuses["imwg2014.slim_flc"] == "not met"
    assert all(c.source.startswith("Rajkumar SV") for c in mm.criteria)


# --- Missing inputs ----------------------------------------------------------------------


def test_smouldering_without_flc_and_mri_is_not_settled() -> None:
    f = replace(SMM_BASE, involved_flc_mg_per_l=None, mri_focal_lesions_count=None)
    result = imwg2014_candidates(f)
    assert names(result) == [(MULTIPLE_MYELOMA, False), (SMOULDERING, False)]
    smm = result[1]
    assert {m.what for m in smm.missing} == {
        "Serum free light chains (involved and uninvolved, mg/L)",
        "MRI for focal lesions (>= 5 mm)",
    }
    assert all(m.could_change == "could make the category multiple myeloma" for m in smm.missing)


def test_a_met_event_makes_other_missing_inputs_irrelevant() -> None:
    f = replace(SMM_BASE, involved_flc_mg_per_l=None, osteolytic_lesions_count=3)
    assert only(f) == MULTIPLE_MYELOMA


def test_calcium_without_uln_below_the_absolute_limit_is_unknown() -> None:
    result = imwg2014_candidates(replace(SMM_BASE, calcium_uln_mmol_per_l=None))
    assert names(result) == [(MULTIPLE_MYELOMA, False), (SMOULDERING, False)]
    assert {m.what for m in result[1].missing} == {
        "Upper limit of normal of serum calcium (mmol/L)"
    }
    assert only(SMM_BASE, calcium_uln_mmol_per_l=None, calcium_mmol_per_l=2.80) == (
        MULTIPLE_MYELOMA
    )


def test_haemoglobin_without_lln_at_or_above_100_is_unknown() -> None:
    result = imwg2014_candidates(replace(SMM_BASE, haemoglobin_lln_g_per_l=None))
    assert {m.what for m in result[1].missing} == {"Lower limit of normal of haemoglobin (g/L)"}


def test_mgus_without_urine_could_be_smouldering() -> None:
    result = imwg2014_candidates(replace(BASE, urine_m_protein_mg_per_24h=None))
    assert names(result) == [(SMOULDERING, False), (MGUS, False)]
    (missing,) = result[1].missing
    assert missing.what == "Urine M-protein (mg/24 h)"
    assert missing.could_change == "could make the category smouldering multiple myeloma"


def test_no_marrow_result() -> None:
    # Without a marrow, >= 60 % plasma cells (itself a myeloma-defining event) is possible.
    result = imwg2014_candidates(replace(BASE, clonal_bm_plasma_cells_percent=None))
    assert names(result) == [(MULTIPLE_MYELOMA, False), (SMOULDERING, False), (MGUS, False)]
    assert {m.what for m in result[2].missing} == {"Clonal bone marrow plasma cells (%)"}


def test_negative_values_are_refused() -> None:
    with pytest.raises(InvalidMeasurement):
        PlasmaCellFindings(serum_m_protein_g_per_l=-1)
    with pytest.raises(InvalidMeasurement):
        PlasmaCellFindings(clonal_bm_plasma_cells_percent=101)
    with pytest.raises(InvalidMeasurement):
        MyelomaStagingFindings(albumin_g_per_l=-3)


# --- ISS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("b2m", "albumin", "expected"),
    [
        (3.4, 35, "ISS I"),
        (3.4, 34, "ISS II"),
        (3.4, 34.9, "ISS II"),
        (3.5, 40, "ISS II"),
        (5.4, 40, "ISS II"),
        (5.5, 40, "ISS III"),
        (5.5, None, "ISS III"),  # albumin cannot change stage III
        (5.6, 20, "ISS III"),
    ],
)
def test_iss(b2m: float, albumin: float | None, expected: str) -> None:
    f = MyelomaStagingFindings(beta2_microglobulin_mg_per_l=b2m, albumin_g_per_l=albumin)
    result = iss_stage(f)
    assert result.category == expected
    assert result.missing == ()


def test_iss_missing_inputs() -> None:
    low = iss_stage(MyelomaStagingFindings(beta2_microglobulin_mg_per_l=3.0))
    assert low.category is None
    assert [(m.what, m.could_change) for m in low.missing] == [
        ("Serum albumin (g/L)", "decides between ISS I or ISS II")
    ]
    none = iss_stage(MyelomaStagingFindings(albumin_g_per_l=40))
    assert none.category is None
    assert [m.what for m in none.missing] == ["Serum beta-2 microglobulin (mg/L)"]


# --- R-ISS -------------------------------------------------------------------------------

ISS1 = {"beta2_microglobulin_mg_per_l": 3.0, "albumin_g_per_l": 40.0}
ISS2 = {"beta2_microglobulin_mg_per_l": 4.0, "albumin_g_per_l": 40.0}
ISS3 = {"beta2_microglobulin_mg_per_l": 6.0, "albumin_g_per_l": 30.0}
NEG = {"ldh_above_uln": False, "del17p": False, "t_4_14": False, "t_14_16": False, "gain_1q": False}


def staging(iss: dict[str, float], **change: bool | None) -> MyelomaStagingFindings:
    values: dict[str, Any] = {**iss, **NEG, **change}
    return MyelomaStagingFindings(**values)


@pytest.mark.parametrize(
    ("iss", "change", "expected"),
    [
        (ISS1, {}, "R-ISS I"),
        (ISS1, {"t_14_16": True}, "R-ISS II"),
        (ISS1, {"ldh_above_uln": True}, "R-ISS II"),
        (ISS2, {"del17p": True, "ldh_above_uln": True}, "R-ISS II"),
        (ISS3, {}, "R-ISS II"),
        (ISS3, {"del17p": True}, "R-ISS III"),
        (ISS3, {"t_4_14": True}, "R-ISS III"),
        (ISS3, {"t_14_16": True}, "R-ISS III"),
        (ISS3, {"ldh_above_uln": True}, "R-ISS III"),
        (ISS3, {"gain_1q": True}, "R-ISS II"),  # 1q+ is not an R-ISS abnormality
    ],
)
def test_riss(iss: dict[str, float], change: dict[str, bool], expected: str) -> None:
    result = riss_stage(staging(iss, **change))
    assert result.category == expected
    assert result.missing == ()


def test_riss_ii_is_settled_from_iss_ii_alone() -> None:
    result = riss_stage(MyelomaStagingFindings(beta2_microglobulin_mg_per_l=4.0))
    assert result.category == "R-ISS II"
    assert result.missing == ()


def test_riss_asks_for_ldh_when_it_decides() -> None:
    result = riss_stage(staging(ISS1, ldh_above_uln=None))
    assert result.category is None
    assert [(m.what, m.could_change) for m in result.missing] == [
        ("Serum LDH relative to the upper limit of normal", "decides between R-ISS I or R-ISS II")
    ]


def test_riss_asks_for_fish_when_it_decides() -> None:
    result = riss_stage(staging(ISS3, del17p=None, t_4_14=None, t_14_16=None))
    assert result.category is None
    assert [m.what for m in result.missing] == [
        "del(17p) by interphase FISH",
        "t(4;14) by interphase FISH",
        "t(14;16) by interphase FISH",
    ]
    settled = riss_stage(staging(ISS3, del17p=None, t_4_14=None, ldh_above_uln=True))
    assert settled.category == "R-ISS III"


def test_riss_asks_for_beta2_microglobulin() -> None:
    result = riss_stage(MyelomaStagingFindings(albumin_g_per_l=40.0, **{**NEG}))
    assert result.category is None
    assert [m.what for m in result.missing] == ["Serum beta-2 microglobulin (mg/L)"]


# --- R2-ISS ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iss", "change", "score", "expected"),
    [
        (ISS1, {}, 0.0, "R2-ISS I"),
        (ISS1, {"t_14_16": True}, 0.0, "R2-ISS I"),  # t(14;16) is not scored
        (ISS1, {"gain_1q": True}, 0.5, "R2-ISS II"),
        (ISS2, {}, 1.0, "R2-ISS II"),
        (ISS1, {"t_4_14": True}, 1.0, "R2-ISS II"),
        (ISS3, {}, 1.5, "R2-ISS III"),
        (ISS2, {"gain_1q": True}, 1.5, "R2-ISS III"),
        (ISS2, {"del17p": True}, 2.0, "R2-ISS III"),
        (ISS3, {"del17p": True}, 2.5, "R2-ISS III"),
        (ISS2, {"del17p": True, "ldh_above_uln": True}, 3.0, "R2-ISS IV"),
        (ISS3, {"ldh_above_uln": True, "gain_1q": True, "del17p": True}, 4.0, "R2-ISS IV"),
        (
            ISS3,
            {"ldh_above_uln": True, "gain_1q": True, "del17p": True, "t_4_14": True},
            5.0,
            "R2-ISS IV",
        ),
    ],
)
def test_r2iss(iss: dict[str, float], change: dict[str, bool], score: float, expected: str) -> None:
    result = r2iss_stage(staging(iss, **change))
    assert (result.score, result.category) == (score, expected)
    assert result.missing == ()


def test_r2iss_missing_1q_at_a_boundary() -> None:
    result = r2iss_stage(staging(ISS1, gain_1q=None))
    assert result.category is None
    assert result.score is None
    assert [(m.what, m.could_change) for m in result.missing] == [
        ("1q gain/amplification by interphase FISH", "decides between R2-ISS I or R2-ISS II")
    ]
    assert result.alternatives == (
        ("lowest possible score", 0.0, "R2-ISS I"),
        ("highest possible score", 0.5, "R2-ISS II"),
    )


def test_r2iss_group_settled_when_the_missing_input_cannot_cross_a_boundary() -> None:
    # ISS III + del(17p) + high LDH = 3.5; with 1q+ 4.0: both R2-ISS IV.
    result = r2iss_stage(staging(ISS3, del17p=True, ldh_above_uln=True, gain_1q=None))
    assert result.category == "R2-ISS IV"
    assert result.score is None
    assert result.missing == ()


def test_r2iss_without_ldh_or_beta2_microglobulin() -> None:
    result = r2iss_stage(
        MyelomaStagingFindings(albumin_g_per_l=40.0, **{**NEG, "ldh_above_uln": None})
    )
    assert result.category is None
    assert [m.what for m in result.missing] == [
        "Serum beta-2 microglobulin (mg/L)",
        "Serum LDH relative to the upper limit of normal",
    ]
    assert result.alternatives == (
        ("lowest possible score", 0.0, "R2-ISS I"),
        ("highest possible score", 2.5, "R2-ISS III"),
    )
