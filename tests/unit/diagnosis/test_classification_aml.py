"""AML and MDS/AML edges, WHO 2022 vs ICC 2022 (expectations from the papers)."""

from __future__ import annotations

import pytest

from tests.unit.diagnosis.test_classification_cases import (
    NO_CATEGORY,
    NORMAL,
    Rearrangement,
    Variant,
    aml,
    both,
    fusion_karyotype,
    karyotype,
    mds,
    missing,
    names,
)


@pytest.mark.parametrize(
    ("blasts", "who", "icc"),
    [
        # WHO: NPM1 defines AML at any blast count; ICC: >=10 % (else the MDS ladder).
        (8.0, "AML with NPM1 mutation", "MDS with excess blasts (MDS-EB)"),
        (9.0, "AML with NPM1 mutation", "MDS with excess blasts (MDS-EB)"),
        (10.0, "AML with NPM1 mutation", "AML with mutated NPM1"),
        (12.0, "AML with NPM1 mutation", "AML with mutated NPM1"),
    ],
)
def test_npm1_blast_threshold_differs(blasts: float, who: str, icc: str) -> None:
    f = mds(blasts_percent_marrow=blasts, variants=(Variant("NPM1", 40.0, "W288fs"),))
    assert names(f) == (who, icc)


@pytest.mark.parametrize(
    ("blasts", "icc"),
    [
        (9.0, "MDS with excess blasts (MDS-EB)"),
        (10.0, "AML with t(8;21)(q22;q22.1)/RUNX1::RUNX1T1"),
    ],
)
def test_runx1_runx1t1_no_threshold_who_ten_percent_icc(blasts: float, icc: str) -> None:
    f = mds(blasts_percent_marrow=blasts, karyotype=fusion_karyotype(Rearrangement.RUNX1_RUNX1T1))
    assert names(f) == ("AML with RUNX1::RUNX1T1 fusion", icc)


def test_bcr_abl1_needs_twenty_percent_in_both() -> None:
    at = mds(blasts_percent_marrow=20.0, karyotype=fusion_karyotype(Rearrangement.BCR_ABL1))
    assert names(at) == ("AML with BCR::ABL1 fusion", "AML with t(9;22)(q34.1;q11.2)/BCR::ABL1")
    below = mds(blasts_percent_marrow=19.0, karyotype=fusion_karyotype(Rearrangement.BCR_ABL1))
    who, icc = both(below)
    assert (who.name, icc.name) == (NO_CATEGORY, NO_CATEGORY)
    assert "Assessment for CML (not covered here)" in missing(who)


def test_fusion_seen_by_fish_only_counts() -> None:
    f = mds(
        blasts_percent_marrow=3.0,
        fusions_detected=frozenset({Rearrangement.PML_RARA}),
    )
    assert names(f)[0] == "Acute promyelocytic leukaemia with PML::RARA fusion"


@pytest.mark.parametrize(
    ("blasts", "who"),
    [
        (19.0, "MDS with increased blasts 2 (MDS-IB2)"),
        (20.0, "AML with CEBPA mutation"),
    ],
)
def test_cebpa_bzip_twenty_percent_who_ten_percent_icc(blasts: float, who: str) -> None:
    f = mds(blasts_percent_marrow=blasts, variants=(Variant("CEBPA", 45.0, "bZIP in-frame"),))
    assert names(f) == (who, "AML with in-frame bZIP CEBPA mutation")


def test_biallelic_non_bzip_cebpa_is_who_only() -> None:
    f = aml(
        variants=(
            Variant("CEBPA", 40.0, "N-terminal frameshift"),
            Variant("CEBPA", 38.0, "TAD frameshift"),
        )
    )
    assert names(f) == ("AML with CEBPA mutation", "AML, not otherwise specified")


def test_cebpa_without_reported_location_is_unknown() -> None:
    who, icc = both(aml(variants=(Variant("CEBPA", 40.0),)))
    assert "CEBPA mutation status (with bZIP location)" in missing(who)
    assert "CEBPA mutation status (in-frame bZIP?)" in missing(icc)


@pytest.mark.parametrize(
    ("marrow", "blood", "who", "icc"),
    [
        (19.0, 0.0, "MDS with increased blasts 2 (MDS-IB2)", "MDS/AML, not otherwise specified"),
        (20.0, 0.0, "AML, defined by differentiation", "AML, not otherwise specified"),
        (15.0, 20.0, "AML, defined by differentiation", "AML, not otherwise specified"),
        (9.0, 0.0, "MDS with increased blasts 1 (MDS-IB1)", "MDS with excess blasts (MDS-EB)"),
        (10.0, 0.0, "MDS with increased blasts 2 (MDS-IB2)", "MDS/AML, not otherwise specified"),
        (4.0, 10.0, "MDS with increased blasts 2 (MDS-IB2)", "MDS/AML, not otherwise specified"),
    ],
)
def test_blast_edges_without_defining_genetics(
    marrow: float, blood: float, who: str, icc: str
) -> None:
    f = mds(blasts_percent_marrow=marrow, blasts_percent_blood=blood)
    assert names(f) == (who, icc)


@pytest.mark.parametrize(
    ("variants", "kt", "who", "icc"),
    [
        (
            (Variant("ASXL1", 30.0),),
            NORMAL,
            "AML, myelodysplasia-related",
            "AML with myelodysplasia-related gene mutations",
        ),
        # RUNX1 is an MR gene in ICC only
        (
            (Variant("RUNX1", 30.0),),
            NORMAL,
            "AML, defined by differentiation",
            "AML with myelodysplasia-related gene mutations",
        ),
        # +8 is MR cytogenetics in ICC only; del(11q) in WHO only
        (
            (),
            karyotype("47,XY,+8[20]", 1, plus8=True),
            "AML, defined by differentiation",
            "AML with myelodysplasia-related cytogenetic abnormalities",
        ),
        (
            (),
            karyotype("46,XY,del(11)(q14)[20]", 1, del11q=True),
            "AML, myelodysplasia-related",
            "AML, not otherwise specified",
        ),
        (
            (),
            karyotype("45,XY,-13[20]", 1, minus13=True),
            "AML, myelodysplasia-related",
            "AML, not otherwise specified",
        ),
        (
            (),
            karyotype("46,XY,del(20)(q11.2)[20]", 1, del20q=True),
            "AML, defined by differentiation",
            "AML with myelodysplasia-related cytogenetic abnormalities",
        ),
        # TP53 (VAF >=10 %) is its own ICC category; not an MR gene in WHO
        (
            (Variant("TP53", 30.0, "R273H"),),
            NORMAL,
            "AML, defined by differentiation",
            "AML with mutated TP53",
        ),
        (
            (Variant("TP53", 9.0, "R273H"),),
            NORMAL,
            "AML, defined by differentiation",
            "AML, not otherwise specified",
        ),
        (
            (Variant("TP53", 10.0, "R273H"), Variant("SRSF2", 40.0)),
            NORMAL,
            "AML, myelodysplasia-related",
            "AML with mutated TP53",
        ),
        # NPM1 outranks MR genes in both
        (
            (Variant("NPM1", 40.0), Variant("ASXL1", 30.0)),
            NORMAL,
            "AML with NPM1 mutation",
            "AML with mutated NPM1",
        ),
    ],
)
def test_aml_ladder(variants: tuple[Variant, ...], kt: object, who: str, icc: str) -> None:
    assert names(aml(variants=variants, karyotype=kt)) == (who, icc)


def test_history_of_mds_is_who_category_icc_qualifier() -> None:
    who, icc = both(aml(prior_mds=True))
    assert who.name == "AML, myelodysplasia-related"
    assert icc.name == "AML, not otherwise specified"
    assert "progressed from MDS" in icc.qualifiers


@pytest.mark.parametrize(
    ("variants", "kt", "icc"),
    [
        ((Variant("TP53", 12.0, "R248Q"),), NORMAL, "MDS/AML with mutated TP53"),
        ((Variant("SRSF2", 40.0),), NORMAL, "MDS/AML with myelodysplasia-related gene mutations"),
        (
            (),
            karyotype("45,XY,-7[20]", 1, minus7=True),
            "MDS/AML with myelodysplasia-related cytogenetic abnormalities",
        ),
    ],
)
def test_icc_mds_aml_ladder(variants: tuple[Variant, ...], kt: object, icc: str) -> None:
    f = mds(blasts_percent_marrow=15.0, variants=variants, karyotype=kt)
    assert names(f)[1] == icc


def test_single_tp53_without_copy_number_leaves_who_open() -> None:
    f = mds(
        blasts_percent_marrow=15.0,
        variants=(Variant("TP53", 12.0, "R248Q"),),
        tp53_copy_loss=None,
        tp53_cnloh=None,
    )
    who, _ = both(f)
    assert who.name == "MDS with increased blasts 2 (MDS-IB2)"
    assert not who.settled
    assert any("copy number" in m for m in missing(who))


def test_normal_karyotype_aml_without_panel_lists_npm1_cebpa_tp53() -> None:
    who, icc = both(aml(variants=None, genes_tested=None))
    assert who.name == "AML, defined by differentiation"
    assert icc.name == "AML, not otherwise specified"
    assert {
        "NPM1 mutation status",
        "CEBPA mutation status (with bZIP location)",
        "Myeloid panel (MR genes)",
    } <= missing(who)
    assert {"NPM1 mutation status", "TP53 mutation status (with VAF)"} <= missing(icc)
    assert not who.settled and not icc.settled
    assert "Not settled" in who.wording


def test_gene_outside_panel_is_unknown_not_wild_type() -> None:
    f = aml(genes_tested=frozenset({"FLT3", "TP53", "CEBPA"}))
    who, _ = both(f)
    assert "NPM1 mutation status" in missing(who)


def test_no_karyotype_is_missing() -> None:
    who, icc = both(aml(karyotype=None))
    assert "Karyotype (or FISH/RNA fusion testing)" in missing(who)
    assert "Karyotype (or FISH/RNA fusion testing)" in missing(icc)


def test_fully_worked_up_aml_is_settled_and_worded_as_support() -> None:
    who, icc = both(aml(variants=(Variant("NPM1", 40.0, "W288fs"),)))
    assert who.settled and icc.settled
    assert who.wording.startswith("Consistent with AML with NPM1 mutation (WHO 2022)")
    assert "diagnosis" in who.wording and "not a diagnosis" in who.wording
    ids = {c.id for c in who.criteria}
    assert {"blasts_aml", "defining_fusion", "npm1"} <= ids
    assert all(c.source for c in who.criteria + icc.criteria)
