"""CMML, MDS/MPN with thrombocytosis, qualifiers and germline prompts (WHO 2022 vs ICC 2022)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.diagnosis.test_classification_cases import (
    NO_CATEGORY,
    Variant,
    aml,
    both,
    karyotype,
    mds,
    missing,
    names,
)

MD1 = "CMML-1, myelodysplastic (MD-CMML)"


def cmml(**changes: Any) -> Any:
    """Monocytes 1.2 x10^9/L of WBC 8 (15 %), cytopenic, dysplastic, TET2-mutated, persistent."""
    base: dict[str, Any] = {
        "wbc_10e9_per_l": 8.0,
        "monocytes_10e9_per_l": 1.2,
        "monocytes_percent_blood": 15.0,
        "anc_10e9_per_l": 3.0,
        "blasts_percent_marrow": 3.0,
        "variants": (Variant("TET2", 30.0, "Q1034*"),),
        "monocytosis_persistent": True,
        "abnormal_monocyte_partitioning": False,
    }
    base.update(changes)
    return mds(**base)


def test_baseline_cmml() -> None:
    who, icc = both(cmml())
    assert (who.name, icc.name) == (MD1, MD1)
    assert who.settled and icc.settled


@pytest.mark.parametrize(
    ("monos", "wbc", "expected"),
    [
        (0.5, 4.0, (MD1, MD1)),  # 12.5 %, dysplasia + clone: both
        (
            0.49,
            4.0,
            (
                "MDS with low blasts (MDS-LB), single-lineage dysplasia",
                "MDS, not otherwise specified, with single lineage dysplasia",
            ),
        ),
    ],
)
def test_absolute_monocyte_threshold(monos: float, wbc: float, expected: tuple[str, str]) -> None:
    f = cmml(monocytes_10e9_per_l=monos, wbc_10e9_per_l=wbc, monocytes_percent_blood=None)
    assert names(f) == expected


@pytest.mark.parametrize(("percent", "is_cmml"), [(10.0, True), (9.9, False)])
def test_relative_monocyte_threshold(percent: float, is_cmml: bool) -> None:
    who, icc = names(cmml(monocytes_percent_blood=percent))
    assert (who == MD1) is is_cmml
    assert (icc == MD1) is is_cmml


def test_below_one_without_clone_is_not_cmml_in_either() -> None:
    f = cmml(monocytes_10e9_per_l=0.6, monocytes_percent_blood=12.0, variants=())
    assert names(f) == (
        "MDS with low blasts (MDS-LB), single-lineage dysplasia",
        "MDS, not otherwise specified, with single lineage dysplasia",
    )


def test_above_one_without_clone_but_dysplasia_is_cmml_in_both() -> None:
    assert names(cmml(variants=())) == (MD1, MD1)


def test_low_vaf_clone_without_dysplasia_is_cmml_in_who_only() -> None:
    # WHO: any acquired clone is one supporting criterion (monocytes >=1); ICC needs VAF >=10 %
    # or, without clonality, increased blasts, dysplasia or abnormal monocyte immunophenotype.
    f = cmml(variants=(Variant("TET2", 5.0),), dysplastic_lineages=0)
    assert names(f) == (MD1, NO_CATEGORY)


def test_abnormal_partitioning_substitutes_in_icc_without_clone() -> None:
    f = cmml(variants=(), dysplastic_lineages=0, abnormal_monocyte_partitioning=True)
    assert names(f) == (MD1, MD1)


def test_icc_cmml_needs_cytopenia() -> None:
    f = cmml(haemoglobin_g_per_dl=14.0, platelets_10e9_per_l=200.0, anc_10e9_per_l=3.0)
    assert names(f) == (MD1, NO_CATEGORY)


@pytest.mark.parametrize(
    ("marrow", "blood", "grade"),
    [(9.0, 4.0, "CMML-1"), (10.0, 0.0, "CMML-2"), (3.0, 5.0, "CMML-2"), (19.0, 0.0, "CMML-2")],
)
def test_cmml_grade(marrow: float, blood: float, grade: str) -> None:
    f = cmml(blasts_percent_marrow=marrow, blasts_percent_blood=blood)
    expected = f"{grade}, myelodysplastic (MD-CMML)"
    assert names(f) == (expected, expected)


def test_cmml_at_twenty_percent_is_aml() -> None:
    assert names(cmml(blasts_percent_marrow=20.0)) == (
        "AML, defined by differentiation",
        "AML, not otherwise specified",
    )


@pytest.mark.parametrize(
    ("wbc", "kind"),
    [(12.9, "myelodysplastic (MD-CMML)"), (13.0, "myeloproliferative (MP-CMML)")],
)
def test_cmml_md_vs_mp(wbc: float, kind: str) -> None:
    f = cmml(wbc_10e9_per_l=wbc, monocytes_10e9_per_l=2.0, monocytes_percent_blood=None)
    assert names(f) == (f"CMML-1, {kind}", f"CMML-1, {kind}")


def test_persistence_unknown_is_missing() -> None:
    who, icc = both(cmml(monocytosis_persistent=None))
    assert who.name == MD1
    assert "Persistence of monocytosis (repeat count)" in missing(who)
    assert not icc.settled


def test_npm1_outranks_cmml() -> None:
    f = cmml(variants=(Variant("NPM1", 40.0), Variant("TET2", 30.0)), blasts_percent_marrow=12.0)
    assert names(f) == ("AML with NPM1 mutation", "AML with mutated NPM1")


WHO_T = "MDS/MPN with SF3B1 mutation and thrombocytosis"
ICC_T = "MDS/MPN with thrombocytosis and SF3B1 mutation"


@pytest.mark.parametrize(
    ("platelets", "expected"),
    [
        (450.0, (WHO_T, ICC_T)),
        (449.0, ("MDS with low blasts and SF3B1 mutation (MDS-SF3B1)", "MDS with mutated SF3B1")),
    ],
)
def test_mds_mpn_platelet_threshold(platelets: float, expected: tuple[str, str]) -> None:
    f = mds(platelets_10e9_per_l=platelets, variants=(Variant("SF3B1", 30.0, "K700E"),))
    assert names(f) == expected


@pytest.mark.parametrize(
    ("rs", "icc"),
    [
        (20.0, "MDS/MPN with ring sideroblasts and thrombocytosis, NOS"),
        (0.0, "MDS, not otherwise specified, with single lineage dysplasia"),
    ],
)
def test_mds_mpn_sf3b1_vaf_seven(rs: float, icc: str) -> None:
    f = mds(
        platelets_10e9_per_l=600.0,
        ring_sideroblasts_percent=rs,
        variants=(Variant("SF3B1", 7.0, "K700E"),),
    )
    assert names(f) == (WHO_T, icc)


@pytest.mark.parametrize(("blood", "is_mdsmpn"), [(0.0, True), (1.0, False)])
def test_mds_mpn_blood_blasts_below_one(blood: float, is_mdsmpn: bool) -> None:
    f = mds(
        platelets_10e9_per_l=600.0, blasts_percent_blood=blood, variants=(Variant("SF3B1", 30.0),)
    )
    assert (names(f)[0] == WHO_T) is is_mdsmpn


def test_mds_mpn_needs_anaemia() -> None:
    f = mds(
        haemoglobin_g_per_dl=14.0,
        anc_10e9_per_l=3.0,
        platelets_10e9_per_l=600.0,
        variants=(Variant("SF3B1", 30.0),),
    )
    assert names(f) == (NO_CATEGORY, NO_CATEGORY)


def test_therapy_related_qualifiers() -> None:
    who, icc = both(aml(prior_cytotoxic_therapy=True, variants=(Variant("NPM1", 40.0),)))
    assert "post cytotoxic therapy (MN-pCT)" in who.qualifiers
    assert "therapy-related" in icc.qualifiers


def test_post_mds_mpn_qualifier_icc() -> None:
    _, icc = both(aml(prior_mds_mpn=True))
    assert "progressed from MDS/MPN" in icc.qualifiers


@pytest.mark.parametrize(
    ("variant", "prompted"),
    [
        (Variant("DDX41", 48.0, "D140fs"), True),
        (Variant("DDX41", 30.0, "R525H"), False),
        (Variant("RUNX1", 50.0), True),
        (Variant("GATA2", 12.0, germline=True), True),
        (Variant("ASXL1", 50.0), False),
    ],
)
def test_germline_prompt_never_asserts(variant: Variant, prompted: bool) -> None:
    who, icc = both(mds(variants=(variant,)))
    for candidate in (who, icc):
        prompts = [q for q in candidate.qualifiers if q.startswith("Prompt:")]
        assert bool(prompts) is prompted
        assert all("consider" in p for p in prompts)


def test_known_germline_predisposition_qualifier() -> None:
    who, icc = both(mds(germline_predisposition_known=True))
    assert "associated with germline predisposition" in who.qualifiers
    assert "in the setting of germline predisposition" in icc.qualifiers


def test_monocyte_percent_derived_from_counts() -> None:
    f = cmml(monocytes_percent_blood=None, monocytes_10e9_per_l=1.2, wbc_10e9_per_l=8.0)
    assert names(f) == (MD1, MD1)


def test_cmml_with_abnormal_karyotype_as_clone() -> None:
    kt = karyotype("47,XY,+8[20]", 1, plus8=True)
    f = cmml(
        variants=(),
        dysplastic_lineages=0,
        karyotype=kt,
        monocytes_10e9_per_l=0.6,
        monocytes_percent_blood=12.0,
    )
    # WHO below 1 x10^9/L needs dysplasia and clonality: not met; ICC: clone + cytopenia: met
    assert names(f) == (NO_CATEGORY, MD1)
