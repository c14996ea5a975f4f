"""MDS edges, WHO 2022 (Table 3) vs ICC 2022 (MDS table); expectations from the papers."""

from __future__ import annotations

import pytest

from marrowscope.domain.errors import InvalidInput
from tests.unit.diagnosis.test_classification_cases import (
    NO_CATEGORY,
    Sex,
    Variant,
    both,
    karyotype,
    mds,
    missing,
    names,
)

LB = "MDS with low blasts (MDS-LB), single-lineage dysplasia"
NOS1 = "MDS, not otherwise specified, with single lineage dysplasia"
IB1 = "MDS with increased blasts 1 (MDS-IB1)"
IB2 = "MDS with increased blasts 2 (MDS-IB2)"
EB = "MDS with excess blasts (MDS-EB)"


def test_baseline_low_blast_mds_is_settled() -> None:
    who, icc = both(mds())
    assert (who.name, icc.name) == (LB, NOS1)
    assert who.settled and icc.settled


def test_multilineage_dysplasia() -> None:
    assert names(mds(dysplastic_lineages=2)) == (
        "MDS with low blasts (MDS-LB), multilineage dysplasia",
        "MDS, not otherwise specified, with multilineage dysplasia",
    )


@pytest.mark.parametrize(
    ("marrow", "blood", "auer", "expected"),
    [
        (4.0, 0.0, False, (LB, NOS1)),
        (5.0, 0.0, False, (IB1, EB)),
        (9.0, 1.0, False, (IB1, EB)),
        (2.0, 1.0, False, (LB, NOS1)),
        (2.0, 2.0, False, (IB1, EB)),
        (2.0, 4.0, False, (IB1, EB)),
        (2.0, 5.0, False, (IB2, EB)),
        (2.0, 9.0, False, (IB2, EB)),
        (6.0, 0.0, True, (IB2, EB)),  # Auer rods: WHO IB2; not an ICC criterion here
    ],
)
def test_blast_bands(marrow: float, blood: float, auer: bool, expected: tuple[str, str]) -> None:
    f = mds(blasts_percent_marrow=marrow, blasts_percent_blood=blood, auer_rods=auer)
    assert names(f) == expected


@pytest.mark.parametrize(
    ("grade", "who"), [(1, IB1), (2, "MDS with fibrosis (MDS-f)"), (3, "MDS with fibrosis (MDS-f)")]
)
def test_mds_with_fibrosis_who_only(grade: int, who: str) -> None:
    assert names(mds(blasts_percent_marrow=6.0, fibrosis_grade=grade)) == (who, EB)


def test_fibrosis_does_not_apply_at_low_blasts() -> None:
    assert names(mds(fibrosis_grade=3)) == (LB, NOS1)


def test_fibrosis_unknown_in_increased_blasts_is_missing() -> None:
    who, _ = both(mds(blasts_percent_marrow=6.0, fibrosis_grade=None))
    assert "Trephine fibrosis grade" in missing(who)


@pytest.mark.parametrize(
    ("changes", "who"),
    [
        ({"hypoplastic": True}, "MDS, hypoplastic (MDS-h)"),
        ({"hypoplastic": None, "cellularity_percent": 25.0}, "MDS, hypoplastic (MDS-h)"),
        ({"hypoplastic": None, "cellularity_percent": 26.0}, LB),
    ],
)
def test_hypoplastic_who_only(changes: dict[str, object], who: str) -> None:
    assert names(mds(**changes)) == (who, NOS1)


@pytest.mark.parametrize(
    ("rs", "who"),
    [(14.0, LB), (15.0, "MDS with low blasts and ring sideroblasts (MDS-SF3B1 category)")],
)
def test_ring_sideroblasts_substitute_for_sf3b1_in_who_only(rs: float, who: str) -> None:
    assert names(mds(ring_sideroblasts_percent=rs)) == (who, NOS1)


@pytest.mark.parametrize(
    ("vaf", "who", "icc"),
    [
        (4.0, LB, NOS1),
        (5.0, "MDS with low blasts and SF3B1 mutation (MDS-SF3B1)", NOS1),
        (9.0, "MDS with low blasts and SF3B1 mutation (MDS-SF3B1)", NOS1),
        (10.0, "MDS with low blasts and SF3B1 mutation (MDS-SF3B1)", "MDS with mutated SF3B1"),
    ],
)
def test_sf3b1_vaf_thresholds(vaf: float, who: str, icc: str) -> None:
    assert names(mds(variants=(Variant("SF3B1", vaf, "K700E"),))) == (who, icc)


def test_sf3b1_with_runx1_is_excluded_in_icc_only() -> None:
    f = mds(variants=(Variant("SF3B1", 30.0, "K700E"), Variant("RUNX1", 20.0)))
    assert names(f) == ("MDS with low blasts and SF3B1 mutation (MDS-SF3B1)", NOS1)


def test_sf3b1_with_five_percent_blasts_is_increased_blasts() -> None:
    f = mds(blasts_percent_marrow=5.0, variants=(Variant("SF3B1", 30.0, "K700E"),))
    assert names(f) == (IB1, EB)


def test_sf3b1_with_complex_karyotype_is_excluded() -> None:
    kt = karyotype("47,XY,+8,del(11)(q14),-17,+mar[20]", 3, plus8=True, del11q=True)
    f = mds(variants=(Variant("SF3B1", 30.0, "K700E"),), karyotype=kt)
    assert names(f) == (LB, NOS1)


def test_sf3b1_and_ring_sideroblasts_unknown_is_missing() -> None:
    who, _ = both(mds(ring_sideroblasts_percent=None, genes_tested=frozenset({"TP53"})))
    assert "SF3B1 mutation status or ring sideroblasts (iron stain)" in missing(who)


@pytest.mark.parametrize(
    ("kt", "expected"),
    [
        (
            karyotype("46,XY,del(5)(q13q33)[20]", 1, del5q=True),
            ("MDS with low blasts and isolated 5q deletion (MDS-5q)", "MDS with del(5q)"),
        ),
        (
            karyotype("47,XY,+8,del(5)(q13q33)[20]", 2, del5q=True, plus8=True),
            ("MDS with low blasts and isolated 5q deletion (MDS-5q)", "MDS with del(5q)"),
        ),
        (karyotype("45,XY,del(5)(q13q33),-7[20]", 2, del5q=True, minus7=True), (LB, NOS1)),
        (karyotype("46,XY,del(5)(q13q33),del(7)(q22)[20]", 2, del5q=True, del7q=True), (LB, NOS1)),
        (
            karyotype(
                "47,XY,+8,del(5)(q13q33),del(20)(q11)[20]", 3, del5q=True, plus8=True, del20q=True
            ),
            (LB, NOS1),
        ),
    ],
)
def test_del5q_with_at_most_one_other_abnormality(kt: object, expected: tuple[str, str]) -> None:
    assert names(mds(karyotype=kt)) == expected


def test_del5q_with_five_percent_blasts_is_increased_blasts() -> None:
    kt = karyotype("46,XY,del(5)(q13q33)[20]", 1, del5q=True)
    assert names(mds(karyotype=kt, blasts_percent_marrow=5.0)) == (IB1, EB)


def test_del5q_allows_thrombocytosis() -> None:
    kt = karyotype("46,XY,del(5)(q13q33)[20]", 1, del5q=True)
    f = mds(karyotype=kt, platelets_10e9_per_l=500.0, variants=(Variant("SF3B1", 30.0),))
    assert names(f) == ("MDS with low blasts and isolated 5q deletion (MDS-5q)", "MDS with del(5q)")


BITP53 = "MDS with biallelic TP53 inactivation (MDS-biTP53)"
MTP53 = "MDS with mutated TP53"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"variants": (Variant("TP53", 20.0, "R175H"), Variant("TP53", 15.0, "R248W"))},
            (BITP53, MTP53),
        ),
        ({"variants": (Variant("TP53", 51.0, "R175H"),)}, (BITP53, MTP53)),
        ({"variants": (Variant("TP53", 50.0, "R175H"),)}, (LB, NOS1)),
        ({"variants": (Variant("TP53", 30.0, "R175H"),), "tp53_cnloh": True}, (BITP53, MTP53)),
        (
            {
                "variants": (Variant("TP53", 30.0, "R175H"),),
                "karyotype": karyotype("46,XY,del(17)(p12)[20]", 1, del17p=True),
            },
            (BITP53, MTP53),
        ),
        # ICC counts a single mutation with a complex karyotype as multi-hit; WHO needs copy data
        (
            {
                "variants": (Variant("TP53", 30.0, "R175H"),),
                "tp53_copy_loss": None,
                "tp53_cnloh": None,
                "karyotype": karyotype(
                    "44,XY,-5,-7,+8[20]", 3, minus5=True, minus7=True, plus8=True
                ),
            },
            ("MDS with low blasts (MDS-LB), single-lineage dysplasia", MTP53),
        ),
        # ICC: each hit needs VAF >=10 %
        (
            {"variants": (Variant("TP53", 20.0, "R175H"), Variant("TP53", 5.0, "R248W"))},
            (BITP53, NOS1),
        ),
        # MDS-biTP53 at any blast count <20 %; ICC: MDS/AML with mutated TP53 at 10-19 %
        (
            {
                "variants": (Variant("TP53", 20.0, "R175H"), Variant("TP53", 15.0, "R248W")),
                "blasts_percent_marrow": 15.0,
            },
            (BITP53, "MDS/AML with mutated TP53"),
        ),
        (
            {
                "variants": (Variant("TP53", 20.0, "R175H"), Variant("TP53", 15.0, "R248W")),
                "blasts_percent_marrow": 7.0,
            },
            (BITP53, MTP53),
        ),
    ],
)
def test_tp53_multi_hit(changes: dict[str, object], expected: tuple[str, str]) -> None:
    assert names(mds(**changes)) == expected


def test_complex_karyotype_without_tp53_is_missing() -> None:
    kt = karyotype("44,XY,-5,-7,+8[20]", 3, minus5=True, minus7=True, plus8=True)
    who, icc = both(mds(karyotype=kt, genes_tested=frozenset({"SF3B1"})))
    assert "TP53 mutation status" in missing(who)
    assert "TP53 mutation status (with VAF)" in missing(icc)


def test_no_cytopenia_is_no_category() -> None:
    f = mds(haemoglobin_g_per_dl=14.0, platelets_10e9_per_l=250.0, anc_10e9_per_l=3.0)
    who, icc = both(f)
    assert (who.name, icc.name) == (NO_CATEGORY, NO_CATEGORY)
    assert who.wording.startswith("No WHO 2022 myeloid category")
    assert any(c.id == "cytopenia" for c in who.criteria)


@pytest.mark.parametrize(
    ("sex", "expected"),
    [(Sex.MALE, (LB, NOS1)), (Sex.FEMALE, (NO_CATEGORY, NO_CATEGORY))],
)
def test_haemoglobin_limit_depends_on_sex(sex: Sex, expected: tuple[str, str]) -> None:
    f = mds(sex=sex, haemoglobin_g_per_dl=12.5, platelets_10e9_per_l=200.0, anc_10e9_per_l=3.0)
    assert names(f) == expected


def test_haemoglobin_between_limits_without_sex_is_missing() -> None:
    f = mds(sex=None, haemoglobin_g_per_dl=12.5, platelets_10e9_per_l=200.0, anc_10e9_per_l=3.0)
    who, _ = both(f)
    assert "Full blood count (Hb with sex, ANC, platelets)" in missing(who)


def test_without_dysplasia_icc_needs_minus7_or_complex() -> None:
    kt = karyotype("45,XY,-7[20]", 1, minus7=True)
    assert names(mds(dysplastic_lineages=0, karyotype=kt)) == (
        NO_CATEGORY,
        "MDS, not otherwise specified, without dysplasia",
    )
    assert names(mds(dysplastic_lineages=0)) == (NO_CATEGORY, NO_CATEGORY)


def test_missing_blood_blasts_is_listed() -> None:
    who, icc = both(mds(blasts_percent_blood=None))
    assert (who.name, icc.name) == (LB, NOS1)
    assert "Blood blast percentage" in missing(who)
    assert "Blood blast percentage" in missing(icc)


def test_no_blast_count_no_category() -> None:
    who, icc = both(mds(blasts_percent_marrow=None, blasts_percent_blood=None))
    assert (who.name, icc.name) == (NO_CATEGORY, NO_CATEGORY)
    assert "Marrow blast percentage" in missing(who)


@pytest.mark.parametrize(
    "changes",
    [
        {"blasts_percent_marrow": 120.0},
        {"platelets_10e9_per_l": -1.0},
        {"fibrosis_grade": 4},
        {"dysplastic_lineages": 4},
        {"variants": (Variant("TP53", 120.0),)},
    ],
)
def test_impossible_values_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        mds(**changes)
