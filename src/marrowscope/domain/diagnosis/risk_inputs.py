"""The IPSS-M inputs read from the same findings the classifications read.

IPSS-M (Bernard 2022) asks for its inputs in the authors' template's terms (TP53 hit
count, maximum VAF as a fraction, MLL-PTD, FLT3); they are derived here from the karyotype
facts and the variant list so that the score and the classification can never disagree
about what the case holds. A gene not on the panel is unknown, never wild type.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.classification import DiagnosticFindings
from marrowscope.domain.diagnosis.risk.ipssm import GENE_INPUTS, IpssmInputs, Tp53Mutations

__all__ = ["ipssm_inputs"]


def _tested(findings: DiagnosticFindings, gene: str) -> bool:
    tested = findings.genes_tested
    return tested is not None and gene in tested


def _gene_status(findings: DiagnosticFindings, gene: str) -> bool | None:
    """Mutated (True), tested and wild type (False) or not tested (None)."""
    if findings.variants is None:
        return None
    somatic = [v for v in findings.variants if not v.germline]
    if gene == "MLL_PTD":
        if any(v.gene == "KMT2A" and "PTD" in v.detail.upper() for v in somatic):
            return True
        return False if _tested(findings, "KMT2A") else None
    if gene == "FLT3":
        if any(v.gene == "FLT3" for v in somatic):
            return True
        return False if _tested(findings, "FLT3") else None
    if any(v.gene == gene for v in somatic):
        return True
    return False if _tested(findings, gene) else None


def _tp53(findings: DiagnosticFindings) -> tuple[Tp53Mutations | None, float | None]:
    status = _gene_status(findings, "TP53")
    if status is None:
        return None, None
    hits = [v for v in findings.variants or () if v.gene == "TP53" and not v.germline]
    if not hits:
        return Tp53Mutations.NONE, 0.0
    count = Tp53Mutations.ONE if len(hits) == 1 else Tp53Mutations.TWO_OR_MORE
    vafs = [v.vaf_percent for v in hits if v.vaf_percent is not None]
    return count, (max(vafs) / 100.0 if vafs else None)


def ipssm_inputs(findings: DiagnosticFindings) -> IpssmInputs:
    """IPSS-M inputs for ``findings``; unknowns stay None so best/worst scores are shown."""
    karyotype = findings.karyotype
    mutations, max_vaf = _tp53(findings)
    return IpssmInputs(
        hb_g_dl=findings.haemoglobin_g_per_dl,
        plt_per_nl=findings.platelets_10e9_per_l,
        bm_blasts_percent=findings.blasts_percent_marrow,
        cytogenetics=karyotype.ipssr_group if karyotype is not None else None,
        del5q=karyotype.del5q if karyotype is not None else None,
        del7_7q=(karyotype.minus7 or karyotype.del7q) if karyotype is not None else None,
        complex_karyotype=(
            karyotype.abnormality_count_who_icc >= 3 if karyotype is not None else None
        ),
        del17_17p=(
            (karyotype.del17p or karyotype.minus17 or bool(findings.tp53_copy_loss))
            if karyotype is not None
            else findings.tp53_copy_loss
        ),
        tp53_mutations=mutations,
        tp53_max_vaf=max_vaf,
        tp53_loh=findings.tp53_cnloh,
        genes={gene: _gene_status(findings, gene) for gene in (*GENE_INPUTS, "MLL_PTD", "FLT3")},
    )
