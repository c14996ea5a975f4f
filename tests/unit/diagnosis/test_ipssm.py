"""IPSS-M (Bernard 2022, NEJM Evidence 1(7)) against the authors' own figures.

The patient data below are numbers copied from the authors' repositories (facts, not
code), each block citing its file:

* papaemmelab/ipssm (R, MIT) commit f1035bb, inst/extdata/IPSSMexample.csv with expected
  results in tests/testthat/test_ipssm.R (pp347, pp564, zeroScore);
* papaemmelab/ipssm-js (MIT) commit e5a22f9, test/data/IPSSMexample.csv with expected
  results in test/testUtils.js (withNAs, SF3B1alphaTestCase);
* the same commit's test/data/Bernard_et_all_2022_NJEM_Evid.csv: published IPSS-M scores
  of the IWG-PM cohort (11 of 2,648 patients, one per category and per special variable).
"""

# ruff: noqa: E501  (patient rows are kept as the CSV lines they were copied from)

from __future__ import annotations

import csv
import io

import pytest

from marrowscope.domain.diagnosis.findings import CriterionStatus, IpssrCytoGroup
from marrowscope.domain.diagnosis.risk.ipssm import (
    GENE_INPUTS,
    IpssmInputs,
    Tp53Mutations,
    ipssm,
    ipssm_scores,
    model_values,
)
from marrowscope.domain.diagnosis.risk.ipssm_model import (
    ipssm_category,
    residual_count,
    variables,
)
from marrowscope.domain.errors import InvalidInput

# Columns: the calculator's template (genes in GENE_INPUTS order need not match).
HEADER = (
    "ID,HB,PLT,BM_BLAST,del5q,del7_7q,complex,CYTO_IPSSR,del17_17p,TP53mut,TP53maxvaf,TP53loh,"
    "MLL_PTD,FLT3,ASXL1,BCOR,BCORL1,CBL,CEBPA,DNMT3A,ETV6,EZH2,IDH1,IDH2,KRAS,NF1,NPM1,NRAS,"
    "RUNX1,SETBP1,SF3B1,SRSF2,STAG2,U2AF1,ETNK1,GATA2,GNB1,PHF6,PPM1D,PRPF8,PTPN11,WT1"
)
EXAMPLES = """
pp347,9.6,281,9,0,0,0,Good,0,0,NA,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0,NA,0,NA,0,0,NA,0,0
pp564,7.5,23,16,1,1,1,Very Poor,0,1,0.85,1,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
zeroScore,10,10,10,0,0,0,Very Good,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
withNAs,9.6,281,9,0,0,0,Good,0,0,NA,0,0,0,1,NA,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0,NA,0,NA,0,0,NA,0,NA
SF3B1alphaTestCase,10,100,5,0,0,0,Intermediate,0,0,NA,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,NA,0,0,0,0,0,0,0,0,0,0,0,0,0
"""
# (mean, best, worst) score and category, as the authors' tests expect them.
EXPECTED = {
    "pp347": ((0.31, "Moderate High"), (0.30, "Moderate High"), (0.63, "High")),
    "pp564": ((4.55, "Very High"), (4.55, "Very High"), (4.55, "Very High")),
    "zeroScore": ((0.0, "Moderate Low"), (0.0, "Moderate Low"), (0.0, "Moderate Low")),
    "withNAs": ((0.32, "Moderate High"), (0.30, "Moderate High"), (0.63, "High")),
    "SF3B1alphaTestCase": (
        (-0.22, "Moderate Low"),
        (-0.30, "Moderate Low"),
        (0.31, "Moderate High"),
    ),
}

COHORT_HEADER = (
    "ID,HB,PLT,BM_BLAST,del5q,del7_7q,del17_17p,complex,CYTO_IPSSR,TP53mut,TP53maxvaf,TP53loh,"
    "MLL_PTD,FLT3,ASXL1,CBL,DNMT3A,ETV6,EZH2,IDH2,KRAS,NPM1,NRAS,RUNX1,SF3B1,SRSF2,U2AF1,BCOR,"
    "BCORL1,CEBPA,ETNK1,GATA2,GNB1,IDH1,NF1,PHF6,PPM1D,PRPF8,PTPN11,SETBP1,STAG2,WT1,IPSSM_SCORE,IPSSM"
)
COHORT = """
I-H-132697-T1-1-D1-1,7.6,119,14,0,0,0,0,Good,0,0,0,0,1,1,0,1,0,0,0,0,0,0,1,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3.48,Very High
I-H-132698-T1-1-D1-1,11.6,42,1,0,0,0,0,Good,0,0,0,0,0,1,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,-0.41,Moderate Low
I-H-116889-T2-1-D1-1,14.2,81,15,0,0,0,0,Intermediate,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0.35,Moderate High
I-H-132699-T1-1-D1-1,8.9,77,1,0,0,0,0,Intermediate,0,0,0,0,0,1,0,0,0,1,0,0,0,0,1,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,1.28,High
I-H-132704-T1-1-D1-1,8.8,23,14,1,1,1,1,Good,1,0.32,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2.45,Very High
I-H-132705-T1-1-D1-1,7.4,183,14,0,0,0,0,Good,0,0,0,0,0,1,0,0,0,0,0,0,0,0,1,1,0,0,1,0,0,0,0,0,0,0,1,0,0,0,0,1,0,2.16,Very High
I-H-132708-T1-1-D1-1,12.8,167,3,0,1,0,0,Good,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,-1.49,Low
E-H-106052-T1-1-D1-1,11.3,326,2,0,0,0,0,Good,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,-1.51,Very Low
E-H-106074-T1-1-D1-1,8.4,91,6,1,0,0,0,Good,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,1.26,High
E-H-106084-T1-1-D1-1,7.8,248,11,0,0,0,0,Good,0,0,0,1,1,0,0,1,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3.14,Very High
E-H-103042-T1-1-D1-1,3.8,10,0.6,0,0,0,0,Intermediate,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1.41,High
"""

# Weights and reference means as printed in R/IPSSMmain.R (betaValues, meanValues) of
# papaemmelab/ipssm f1035bb: a second, independent transcription of tables/ipssm.toml.
R_BETA_MEAN = {
    "HB1": (-0.171, 9.87), "TRANSF_PLT100": (-0.222, 1.41), "BLAST5": (0.352, 0.922),
    "CYTOVEC": (0.287, 1.39), "TP53multi": (1.18, 0.071), "FLT3": (0.798, 0.0108),
    "MLL_PTD": (0.798, 0.0247), "SF3B1_5q": (0.504, 0.0166), "NPM1": (0.43, 0.0112),
    "RUNX1": (0.423, 0.126), "NRAS": (0.417, 0.0362), "ETV6": (0.391, 0.0216),
    "IDH2": (0.379, 0.0429), "CBL": (0.295, 0.0473), "EZH2": (0.27, 0.0588),
    "U2AF1": (0.247, 0.0866), "SRSF2": (0.239, 0.158), "DNMT3A": (0.221, 0.161),
    "ASXL1": (0.213, 0.252), "KRAS": (0.202, 0.0271), "SF3B1_alpha": (-0.0794, 0.186),
    "nRes2": (0.231, 0.388),
}  # fmt: skip

NA = {"", "NA"}


def _b(text: str) -> bool | None:
    return None if text in NA else text == "1"


def _f(text: str) -> float | None:
    return None if text in NA else float(text)


def _inputs(row: dict[str, str]) -> IpssmInputs:
    return IpssmInputs(
        hb_g_dl=_f(row["HB"]),
        plt_per_nl=_f(row["PLT"]),
        bm_blasts_percent=_f(row["BM_BLAST"]),
        cytogenetics=None if row["CYTO_IPSSR"] in NA else IpssrCytoGroup(row["CYTO_IPSSR"]),
        del5q=_b(row["del5q"]),
        del7_7q=_b(row["del7_7q"]),
        complex_karyotype=_b(row["complex"]),
        del17_17p=_b(row["del17_17p"]),
        tp53_mutations=None if row["TP53mut"] in NA else Tp53Mutations(row["TP53mut"]),
        tp53_max_vaf=_f(row["TP53maxvaf"]),
        tp53_loh=_b(row["TP53loh"]),
        genes={gene: _b(row[gene]) for gene in GENE_INPUTS},
    )


def _rows(header: str, body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(header + body)))


def _example(name: str) -> IpssmInputs:
    return _inputs(next(r for r in _rows(HEADER, EXAMPLES) if r["ID"] == name))


def _wild_type(**changes: object) -> IpssmInputs:
    """zeroScore's clinical values, every gene tested and wild type, then ``changes``."""
    values: dict[str, object] = {
        "hb_g_dl": 10.0,
        "plt_per_nl": 10.0,
        "bm_blasts_percent": 10.0,
        "cytogenetics": IpssrCytoGroup.VERY_GOOD,
        "del5q": False,
        "del7_7q": False,
        "complex_karyotype": False,
        "del17_17p": False,
        "tp53_mutations": Tp53Mutations.NONE,
        "tp53_max_vaf": 0.0,
        "tp53_loh": False,
        "genes": dict.fromkeys(GENE_INPUTS, False),
    }
    values.update(changes)
    return IpssmInputs(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_authors_example_patients(name: str) -> None:
    scores = ipssm_scores(_example(name))
    got = tuple((s.score, s.category) for s in (scores.mean, scores.best, scores.worst))
    assert got == EXPECTED[name]


@pytest.mark.parametrize("row", _rows(COHORT_HEADER, COHORT), ids=lambda r: r["ID"])
def test_published_scores_of_iwg_pm_patients(row: dict[str, str]) -> None:
    scores = ipssm_scores(_inputs(row))
    assert scores.mean.score == pytest.approx(float(row["IPSSM_SCORE"]), abs=1e-9)
    assert scores.mean.category == row["IPSSM"]
    assert scores.best.score == scores.mean.score == scores.worst.score  # nothing untested


def test_table_matches_the_reference_packages_weights_and_means() -> None:
    table = {v.name: (v.beta, v.mean) for v in variables()}
    assert table == R_BETA_MEAN


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (-3, "Very Low"),
        (-1.5, "Very Low"),
        (-1.49, "Low"),
        (-0.5, "Low"),
        (-0.49, "Moderate Low"),
        (0.0, "Moderate Low"),
        (0.01, "Moderate High"),
        (0.5, "Moderate High"),
        (0.51, "High"),
        (1.5, "High"),
        (1.51, "Very High"),
    ],
)
def test_category_boundaries(score: float, category: str) -> None:
    assert ipssm_category(score) == category


@pytest.mark.parametrize(
    ("mutations", "vaf", "loh", "del17p", "expected"),
    [
        (Tp53Mutations.NONE, 0.0, False, False, 0.0),
        (Tp53Mutations.NONE, 0.9, True, True, 0.0),
        (Tp53Mutations.ONE, 0.3, False, False, 0.0),
        (Tp53Mutations.ONE, 0.55, False, False, 0.0),
        (Tp53Mutations.ONE, 0.56, False, False, 1.0),
        (Tp53Mutations.ONE, 0.3, True, False, 1.0),
        (Tp53Mutations.ONE, 0.3, False, True, 1.0),
        (Tp53Mutations.ONE, 0.3, None, False, None),
        (Tp53Mutations.ONE, None, None, None, None),
        (Tp53Mutations.TWO_OR_MORE, 0.1, False, False, 1.0),
        (None, 0.1, False, False, None),
    ],
)
def test_tp53_multihit(
    mutations: Tp53Mutations | None,
    vaf: float | None,
    loh: bool | None,
    del17p: bool | None,
    expected: float | None,
) -> None:
    inputs = _wild_type(tp53_mutations=mutations, tp53_max_vaf=vaf, tp53_loh=loh, del17_17p=del17p)
    assert model_values(inputs)["TP53multi"] == expected


def _genes(**status: bool | None) -> dict[str, bool | None]:
    return {**dict.fromkeys(GENE_INPUTS, False), **status}


@pytest.mark.parametrize(
    ("changes", "five_q", "alpha"),
    [
        ({"genes": _genes(SF3B1=False)}, 0.0, 0.0),
        ({"genes": _genes(SF3B1=True)}, 0.0, 1.0),
        ({"genes": _genes(SF3B1=True), "del5q": True}, 1.0, 0.0),
        ({"genes": _genes(SF3B1=True), "del5q": True, "complex_karyotype": True}, 0.0, 1.0),
        ({"genes": _genes(SF3B1=True), "del5q": True, "del7_7q": True}, 0.0, 1.0),
        ({"genes": _genes(SF3B1=True, SRSF2=True)}, 0.0, 0.0),
        ({"genes": _genes(SF3B1=True, STAG2=True)}, 0.0, 0.0),
        ({"genes": _genes(SF3B1=True, BCOR=None)}, 0.0, None),
        ({"genes": _genes(SF3B1=True), "del5q": None}, None, None),
        ({"genes": _genes(SF3B1=None)}, 0.0, None),
        ({"genes": _genes(SF3B1=None, RUNX1=True)}, 0.0, 0.0),
        ({"genes": _genes(SF3B1=None), "del5q": True}, None, None),
    ],
)
def test_sf3b1_5q_and_alpha(
    changes: dict[str, object], five_q: float | None, alpha: float | None
) -> None:
    values = model_values(_wild_type(**changes))
    assert (values["SF3B1_5q"], values["SF3B1_alpha"]) == (five_q, alpha)


def test_residual_count_is_capped_at_two_and_generalised_for_untested_genes() -> None:
    none = residual_count({})
    assert none.mean == pytest.approx(0.388)
    assert (none.best, none.worst) == (0, 2)
    one = residual_count({"BCOR": True, **dict.fromkeys(["GATA2", "GNB1", "IDH1", "NF1"], False)})
    # 1 mutated, 5 tested, 10 untested: 1 + (2 - 1) / 2 x 10/15 x 0.388
    assert one.mean == pytest.approx(1 + 0.5 * (10 / 15) * 0.388)
    assert (one.best, one.worst) == (1, 2)
    three = residual_count(dict.fromkeys(["BCOR", "WT1", "STAG2"], True))
    assert (three.mean, three.best, three.worst) == (2, 2, 2)


def test_clinical_transformations() -> None:
    values = model_values(_wild_type(hb_g_dl=3.1, plt_per_nl=400.0, bm_blasts_percent=25.0))
    # PLT capped at 250, blasts at 20 %; HB not clipped (as the published cohort scores).
    assert (values["HB1"], values["TRANSF_PLT100"], values["BLAST5"]) == (3.1, 2.5, 4.0)


def test_best_mean_worst_bracket_untested_genes() -> None:
    untested = dict.fromkeys(GENE_INPUTS, None)
    scores = ipssm_scores(_wild_type(genes=untested))
    assert scores.best.score < scores.mean.score < scores.worst.score
    tested = ipssm_scores(_wild_type())
    assert tested.best.score == tested.mean.score == tested.worst.score


def test_risk_result_reports_the_mean_when_the_range_is_narrow() -> None:
    result = ipssm(_example("withNAs"))
    assert (result.score, result.category) == (0.32, "Moderate High")
    assert result.alternatives == (
        ("best", 0.3, "Moderate High"),
        ("mean", 0.32, "Moderate High"),
        ("worst", 0.63, "High"),
    )
    assert [m.what for m in result.missing] == [
        f"{g} result" for g in ("BCOR", "ETNK1", "GNB1", "PRPF8", "WT1")
    ]
    assert "from 0.3 (Moderate High) to 0.63 (High)" in result.missing[0].could_change


def test_risk_result_gives_no_category_when_untested_genes_could_change_it() -> None:
    result = ipssm(_wild_type(genes=dict.fromkeys(GENE_INPUTS, None)))
    assert result.score is None and result.category is None
    missing = {m.what for m in result.missing}
    assert {"ASXL1 result", "SF3B1 result", "WT1 result"} <= missing
    assert "TP53mut result" not in missing  # given: no TP53 mutation
    unknown = {c.id for c in result.criteria if c.status is CriterionStatus.UNKNOWN}
    assert {"ipssm.ASXL1", "ipssm.SF3B1_alpha", "ipssm.nRes2"} <= unknown


def test_complete_result_has_no_missing_and_a_criterion_per_variable() -> None:
    result = ipssm(_example("pp564"))
    assert (result.score, result.category, result.missing) == (4.55, "Very High", ())
    assert len(result.criteria) == len(R_BETA_MEAN)
    tp53 = next(c for c in result.criteria if c.id == "ipssm.TP53multi")
    assert tp53.value == "1" and tp53.status is CriterionStatus.MET


@pytest.mark.parametrize(
    "changes",
    [
        {"hb_g_dl": -1.0},
        {"bm_blasts_percent": 101.0},
        {"tp53_max_vaf": 32.0},
        {"genes": {"TP53": True}},
    ],
)
def test_impossible_inputs_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        _wild_type(**changes)
