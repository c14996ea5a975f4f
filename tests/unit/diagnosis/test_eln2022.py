"""ELN 2022 genetic risk (Döhner 2022, Blood 140:1345, Table 6 and its footnotes).

Expectations are written by hand from Table 6; where the table leaves an overlap open the
test names the rule chosen in eln2022.py's docstring.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from marrowscope.domain.diagnosis.findings import (
    KaryotypeFacts,
    Rearrangement,
    RiskResult,
    Variant,
)
from marrowscope.domain.diagnosis.risk.eln2022 import eln2022_risk

MR_GENES = ("ASXL1", "BCOR", "EZH2", "RUNX1", "SF3B1", "SRSF2", "STAG2", "U2AF1", "ZRSR2")
PANEL = frozenset({"NPM1", "FLT3", "CEBPA", "TP53", "KIT", "KMT2A", *MR_GENES})

NPM1 = Variant("NPM1", 42.0, "p.W288Cfs*12")
ITD = Variant("FLT3", 25.0, "ITD")
CEBPA_BZIP = Variant("CEBPA", 45.0, "bZIP in-frame p.K313dup")


def kt(*rearrangements: Rearrangement, **flags: Any) -> KaryotypeFacts:
    """A hand-built karyotype; ``flags`` are KaryotypeFacts booleans (Any for mypy's sake)."""
    abnormal = bool(rearrangements) or any(flags.values())
    base = KaryotypeFacts(
        iscn="built by hand", normal=not abnormal, rearrangements=frozenset(rearrangements)
    )
    return replace(base, **flags)


NORMAL = kt()


def risk(k: KaryotypeFacts | None, *variants: Variant) -> RiskResult:
    return eln2022_risk(k, list(variants), PANEL)


def assert_settled(result: RiskResult, category: str) -> None:
    assert result.category == category
    assert result.missing == ()
    assert result.alternatives == ()


# --- Table 6 rows, one at a time ---------------------------------------------------------


@pytest.mark.parametrize("r", [Rearrangement.RUNX1_RUNX1T1, Rearrangement.CBFB_MYH11])
def test_core_binding_factor_rearrangements_are_favorable(r: Rearrangement) -> None:
    assert_settled(risk(kt(r)), "Favorable")


def test_mutated_npm1_without_flt3_itd_is_favorable() -> None:
    assert_settled(risk(NORMAL, NPM1), "Favorable")


def test_bzip_in_frame_cebpa_is_favorable_even_monoallelic() -> None:
    assert_settled(risk(NORMAL, CEBPA_BZIP), "Favorable")


def test_cebpa_mutation_outside_the_bzip_or_out_of_frame_is_not_favorable() -> None:
    assert_settled(risk(NORMAL, Variant("CEBPA", 40.0, "N-terminal frameshift")), "Intermediate")
    assert_settled(risk(NORMAL, Variant("CEBPA", 40.0, "bZIP frameshift")), "Intermediate")


def test_mutated_npm1_with_flt3_itd_is_intermediate() -> None:
    assert_settled(risk(NORMAL, NPM1, ITD), "Intermediate")


def test_wild_type_npm1_with_flt3_itd_is_intermediate_whatever_the_allelic_ratio() -> None:
    assert_settled(risk(NORMAL, Variant("FLT3", 80.0, "ITD, allelic ratio 0.9")), "Intermediate")


def test_t9_11_is_intermediate() -> None:
    assert_settled(risk(kt(Rearrangement.KMT2A_MLLT3)), "Intermediate")


def test_abnormality_not_classified_is_intermediate() -> None:
    assert_settled(risk(kt(plus8=True)), "Intermediate")
    assert_settled(risk(NORMAL), "Intermediate")


@pytest.mark.parametrize(
    "r",
    [
        Rearrangement.DEK_NUP214,
        Rearrangement.KMT2A_OTHER,
        Rearrangement.BCR_ABL1,
        Rearrangement.KAT6A_CREBBP,
        Rearrangement.GATA2_MECOM,
        Rearrangement.MECOM_OTHER,
    ],
)
def test_adverse_rearrangements(r: Rearrangement) -> None:
    assert_settled(risk(kt(r)), "Adverse")


@pytest.mark.parametrize(
    "flag", ["minus5", "del5q", "minus7", "minus17", "del17p", "i17q", "complex_eln", "monosomal"]
)
def test_adverse_cytogenetics(flag: str) -> None:
    assert_settled(risk(kt(**{flag: True})), "Adverse")


def test_adverse_cytogenetics_settle_the_group_without_any_molecular_result() -> None:
    assert_settled(eln2022_risk(kt(minus7=True), None, None), "Adverse")


@pytest.mark.parametrize("gene", MR_GENES)
def test_myelodysplasia_related_gene_mutations_are_adverse(gene: str) -> None:
    assert_settled(risk(NORMAL, Variant(gene, 30.0, "p.X")), "Adverse")


def test_tp53_vaf_threshold_is_10_percent() -> None:
    assert_settled(risk(NORMAL, Variant("TP53", 10.0, "p.R273H")), "Adverse")
    assert_settled(risk(NORMAL, Variant("TP53", 9.9, "p.R273H")), "Intermediate")
    assert_settled(risk(NORMAL, Variant("TP53", 10.1, "p.R273H")), "Adverse")


def test_kmt2a_partial_tandem_duplication_is_not_a_kmt2a_rearrangement() -> None:
    result = risk(NORMAL, Variant("KMT2A", 30.0, "PTD"))
    assert_settled(result, "Intermediate")
    assert any(c.id == "eln2022.kmt2a_ptd" for c in result.criteria)


def test_germline_variants_are_not_counted() -> None:
    assert_settled(risk(NORMAL, Variant("RUNX1", 50.0, "p.R201Q", germline=True)), "Intermediate")


# --- Footnotes and precedence ----------------------------------------------------------


def test_npm1_with_adverse_cytogenetics_is_adverse() -> None:
    assert_settled(risk(kt(complex_eln=True), NPM1), "Adverse")
    assert_settled(risk(kt(minus7=True), NPM1), "Adverse")


def test_mr_genes_do_not_count_with_favorable_npm1() -> None:
    assert_settled(risk(NORMAL, NPM1, Variant("ASXL1", 30.0, "p.G646Wfs*12")), "Favorable")


def test_mr_gene_counts_with_npm1_and_flt3_itd_which_is_not_favorable() -> None:
    # Rule 6 chosen: the exemption is for favorable-risk subtypes only.
    assert_settled(risk(NORMAL, NPM1, ITD, Variant("SRSF2", 40.0, "p.P95H")), "Adverse")


def test_mr_genes_do_not_count_with_cbf_or_cebpa() -> None:
    asxl1 = Variant("ASXL1", 30.0, "p.G646Wfs*12")
    assert_settled(risk(kt(Rearrangement.RUNX1_RUNX1T1), asxl1), "Favorable")
    assert_settled(risk(NORMAL, CEBPA_BZIP, Variant("RUNX1", 20.0, "p.R80C")), "Favorable")


def test_kit_and_flt3_do_not_alter_cbf_aml() -> None:
    kit = Variant("KIT", 30.0, "p.D816V")
    assert_settled(risk(kt(Rearrangement.CBFB_MYH11), kit, ITD), "Favorable")


def test_complex_and_monosomal_exclude_cbf_aml() -> None:
    cbf = Rearrangement.RUNX1_RUNX1T1
    assert_settled(risk(kt(cbf, complex_eln=True)), "Favorable")
    assert_settled(risk(kt(cbf, monosomal=True)), "Favorable")


def test_cbf_with_minus7_or_tp53_is_adverse() -> None:
    # Rule 3 chosen: Table 6 exempts CBF AML from neither.
    assert_settled(risk(kt(Rearrangement.CBFB_MYH11, minus7=True)), "Adverse")
    tp53 = Variant("TP53", 15.0, "p.R248Q")
    assert_settled(risk(kt(Rearrangement.RUNX1_RUNX1T1), tp53), "Adverse")


def test_t9_11_takes_precedence_over_adverse_gene_mutations() -> None:
    t9_11 = kt(Rearrangement.KMT2A_MLLT3)
    assert_settled(risk(t9_11, Variant("ASXL1", 30.0, "p.X")), "Intermediate")
    assert_settled(risk(t9_11, Variant("TP53", 30.0, "p.R175H")), "Intermediate")


def test_t9_11_over_complex_but_not_over_minus7_or_monosomal() -> None:
    assert_settled(risk(kt(Rearrangement.KMT2A_MLLT3, complex_eln=True)), "Intermediate")
    assert_settled(risk(kt(Rearrangement.KMT2A_MLLT3, minus7=True)), "Adverse")
    assert_settled(risk(kt(Rearrangement.KMT2A_MLLT3, monosomal=True)), "Adverse")


def test_adverse_rearrangement_over_favorable_findings() -> None:
    both = kt(Rearrangement.BCR_ABL1, Rearrangement.CBFB_MYH11)
    assert_settled(risk(both), "Adverse")
    assert_settled(risk(kt(Rearrangement.DEK_NUP214), NPM1), "Adverse")


def test_tp53_over_favorable_npm1_and_cebpa() -> None:
    tp53 = Variant("TP53", 12.0, "p.Y220C")
    assert_settled(risk(NORMAL, NPM1, tp53), "Adverse")
    assert_settled(risk(NORMAL, CEBPA_BZIP, tp53), "Adverse")


def test_cebpa_bzip_with_flt3_itd_stays_favorable() -> None:
    assert_settled(risk(NORMAL, CEBPA_BZIP, ITD), "Favorable")


def test_wild_type_npm1_with_flt3_itd_and_adverse_lesion_is_adverse() -> None:
    assert_settled(risk(NORMAL, ITD, Variant("RUNX1", 35.0, "p.R201*")), "Adverse")
    assert_settled(risk(kt(del5q=True), ITD), "Adverse")


def test_flt3_tkd_is_not_an_itd() -> None:
    assert_settled(risk(NORMAL, NPM1, Variant("FLT3", 20.0, "TKD p.D835Y")), "Favorable")


# --- Missing results ---------------------------------------------------------------------


def whats(result: RiskResult) -> set[str]:
    return {m.what for m in result.missing}


def test_normal_karyotype_without_molecular_results_has_no_group() -> None:
    result = eln2022_risk(NORMAL, None, None)
    assert result.category is None
    assert [a[2] for a in result.alternatives] == ["Favorable", "Intermediate", "Adverse"]
    assert {"NPM1 mutation status", "FLT3-ITD status", "CEBPA mutation status"} <= whats(result)
    assert "TP53 mutation status (with its VAF)" in whats(result)
    assert any(w.startswith("Mutation status of ASXL1") for w in whats(result))


def test_missing_karyotype_with_favorable_npm1_is_open() -> None:
    # Without a karyotype: CBF or none -> Favorable, t(9;11) -> Intermediate, adverse -> Adverse.
    result = eln2022_risk(None, [NPM1], PANEL)
    assert result.category is None
    assert [a[2] for a in result.alternatives] == ["Favorable", "Intermediate", "Adverse"]
    assert len(result.missing) == 1
    assert result.missing[0].what.startswith("Karyotype")


def test_only_the_results_that_matter_are_asked_for() -> None:
    # CBF AML with every gene but TP53 unknown: only TP53 can change the group (rule 3).
    result = eln2022_risk(kt(Rearrangement.RUNX1_RUNX1T1), None, None)
    assert result.category is None
    assert whats(result) == {"TP53 mutation status (with its VAF)"}
    assert result.missing[0].could_change == "decides between Favorable or Adverse"


def test_t9_11_needs_no_molecular_result() -> None:
    assert_settled(eln2022_risk(kt(Rearrangement.KMT2A_MLLT3), None, None), "Intermediate")


def test_positive_findings_without_a_tested_gene_list_leave_negatives_unknown() -> None:
    result = eln2022_risk(NORMAL, [NPM1], None)
    assert result.category is None
    assert "FLT3-ITD status" in whats(result)


def test_flt3_itd_may_be_tested_separately() -> None:
    tested = frozenset({"NPM1", "FLT3-ITD", "CEBPA", "TP53", *MR_GENES})
    assert_settled(eln2022_risk(NORMAL, [NPM1], tested), "Favorable")


def test_tp53_without_vaf_is_unknown() -> None:
    result = risk(NORMAL, Variant("TP53", None, "p.R273H"))
    assert result.category is None
    assert whats(result) == {"TP53 variant allele fraction"}
    assert [a[2] for a in result.alternatives] == ["Intermediate", "Adverse"]


def test_undescribed_cebpa_or_flt3_variant_is_unknown() -> None:
    cebpa = risk(NORMAL, Variant("CEBPA", 40.0))
    assert cebpa.category is None
    assert whats(cebpa) == {"Whether the CEBPA mutation is in-frame in the bZIP region"}
    flt3 = risk(NORMAL, NPM1, Variant("FLT3", 20.0))
    assert flt3.category is None
    assert [a[2] for a in flt3.alternatives] == ["Favorable", "Intermediate"]
    assert whats(flt3) == {"Whether the FLT3 variant is an internal tandem duplication (ITD)"}
