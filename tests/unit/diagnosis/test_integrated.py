"""The panel runs the engines that apply, and never calls an incomplete case settled."""

from __future__ import annotations

from marrowscope.domain.diagnosis.classification import DiagnosticFindings
from marrowscope.domain.diagnosis.findings import Variant
from marrowscope.domain.diagnosis.integrated import DiagnosisInputs, integrate
from marrowscope.domain.diagnosis.karyotype import karyotype_facts
from marrowscope.domain.diagnosis.risk.ipssm import GENE_INPUTS, Tp53Mutations
from marrowscope.domain.diagnosis.risk.myeloma import MyelomaStagingFindings, PlasmaCellFindings
from marrowscope.domain.diagnosis.risk_inputs import ipssm_inputs

PANEL = frozenset({*GENE_INPUTS, "KMT2A", "TP53", "ZRSR2", "CEBPA"})


def _mds(**changes: object) -> DiagnosticFindings:
    base: dict[str, object] = {
        "haemoglobin_g_per_dl": 8.9,
        "platelets_10e9_per_l": 64.0,
        "anc_10e9_per_l": 0.7,
        "wbc_10e9_per_l": 2.1,
        "monocytes_10e9_per_l": 0.2,
        "blasts_percent_blood": 0.0,
        "blasts_percent_marrow": 8.0,
        "dysplastic_lineages": 2,
        "karyotype": karyotype_facts("46,XX[20]"),
        "variants": (Variant("SF3B1", 4.0),),
        "genes_tested": PANEL,
        "fibrosis_grade": 0,
    }
    base.update(changes)
    return DiagnosticFindings(**base)  # type: ignore[arg-type]


def test_an_mds_gets_ipss_r_and_ipss_m_but_not_eln() -> None:
    result = integrate(DiagnosisInputs(_mds(), age_years=70))
    systems = [r.system for r in result.risks]
    assert systems == ["IPSS-R", "IPSS-RA", "IPSS-M"]
    assert [c.system for c in result.candidates] == ["WHO 2022", "ICC 2022"]
    assert "IB1" in result.candidates[0].name
    # normal karyotype (Good, 1) + blasts 5-10 % (2) + Hb 8-<10 (1) + PLT 50-<100 (0.5)
    # + ANC < 0.8 (0.5) = 5.0, High (> 4.5-6), by Greenberg 2012 Table 3 written out by hand
    ipssr = result.risks[0]
    assert (ipssr.score, ipssr.category) == (5.0, "High")


def test_an_aml_gets_eln_and_no_mds_score() -> None:
    findings = _mds(
        blasts_percent_marrow=35.0,
        karyotype=karyotype_facts("46,XX,t(8;21)(q22;q22.1)[20]"),
        variants=(),
    )
    result = integrate(DiagnosisInputs(findings))
    assert [r.system for r in result.risks] == ["ELN 2022"]
    assert result.risks[0].category == "Favorable"


def test_a_gap_in_the_panel_is_never_settled() -> None:
    result = integrate(DiagnosisInputs(_mds(genes_tested=None, karyotype=None), age_years=70))
    assert not result.settled
    assert any(
        "karyotype" in m.what.lower() or "cytogenetic" in m.what.lower() for m in result.missing
    )
    assert "not settled" in result.proposal()["who_2022"] or not result.candidates[0].settled


def test_nothing_computed_is_not_settled() -> None:
    from marrowscope.domain.diagnosis.integrated import IntegratedDiagnosis

    assert not IntegratedDiagnosis((), (), ()).settled


def test_a_myeloma_workup_gets_imwg_and_staging_that_asks_for_ldh() -> None:
    plasma = PlasmaCellFindings(clonal_bm_plasma_cells_percent=65.0, serum_m_protein_g_per_l=42.0)
    inputs = DiagnosisInputs(
        _mds(blasts_percent_marrow=1.0, dysplastic_lineages=0),
        plasma=plasma,
        staging=MyelomaStagingFindings(beta2_microglobulin_mg_per_l=6.1, albumin_g_per_l=30.0),
    )
    result = integrate(inputs)
    assert any(c.system == "IMWG 2014" and c.name == "Multiple myeloma" for c in result.candidates)
    systems = {r.system for r in result.risks}
    assert {"R-ISS", "R2-ISS"} <= systems
    # beta-2 microglobulin >= 5.5 mg/L is ISS III whatever LDH says: R-ISS III needs high-risk
    # FISH or high LDH, R-ISS II otherwise, so without them R-ISS is not settled.
    riss = next(r for r in result.risks if r.system == "R-ISS")
    assert riss.category is None and riss.missing


def test_ipssm_inputs_read_the_variants_and_karyotype_the_classification_reads() -> None:
    findings = _mds(
        karyotype=karyotype_facts("46,XX,del(5)(q13q33)[15]/46,XX[5]"),
        variants=(Variant("TP53", 32.0), Variant("TP53", 12.0), Variant("KMT2A", 8.0, "PTD")),
    )
    inputs = ipssm_inputs(findings)
    assert inputs.del5q is True and inputs.del7_7q is False
    assert inputs.tp53_mutations is Tp53Mutations.TWO_OR_MORE
    assert inputs.tp53_max_vaf == 0.32
    assert inputs.genes["MLL_PTD"] is True and inputs.genes["ASXL1"] is False
    untested = ipssm_inputs(_mds(genes_tested=frozenset({"TP53"}), variants=()))
    assert untested.genes["ASXL1"] is None  # not on the panel: unknown, not wild type
    assert untested.tp53_mutations is Tp53Mutations.NONE
