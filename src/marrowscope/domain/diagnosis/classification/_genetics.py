"""Genetic criteria read the same way by both engines, with each system's limits.

TP53: WHO 2022 asks for biallelic inactivation (two mutations, or one with loss or cnLOH
of the other allele); ICC 2022 for "multi-hit" (two mutations of VAF >=10 %, or one with
17p loss, cnLOH, VAF >50 % or, lacking LOH data, a complex karyotype). CEBPA: WHO accepts
biallelic or bZIP mutations, ICC only in-frame bZIP. Both are read from
``Variant.detail`` ("bZIP", "in-frame"): an empty detail leaves the criterion unknown.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.classification._common import (
    MET,
    NOT_MET,
    UNKNOWN,
    Rules,
    Trace,
    any_of,
    fusion,
    mutated,
    negate,
    show,
    tp53_copy_evidence,
    variant_text,
)
from marrowscope.domain.diagnosis.classification.findings_input import DiagnosticFindings
from marrowscope.domain.diagnosis.findings import CriterionStatus, Rearrangement

_TP53_COPY = "TP53 copy number / cnLOH (FISH 17p13.1 or SNP array)"


def mr_cytogenetics(f: DiagnosticFindings, r: Rules, t: Trace, system: str) -> CriterionStatus:
    """Any of the system's myelodysplasia-related cytogenetic abnormalities."""
    fields, source = r.mr_cytogenetics()
    k = f.karyotype
    if k is None:
        status, value = UNKNOWN, "no karyotype"
    else:
        found = [name for name in fields if getattr(k, name)]
        status = MET if found else NOT_MET
        value = f"{k.iscn}: {', '.join(found) or 'none of the list'}"
    return t.check(
        "mr_cytogenetics",
        f"Myelodysplasia-related cytogenetic abnormality ({system} list)",
        status,
        value,
        source,
    )


def mr_genes(f: DiagnosticFindings, r: Rules, t: Trace, system: str) -> CriterionStatus:
    genes = r.genes("mr_genes")
    statuses = [mutated(f, g) for g in genes]
    hits = [g for g, s in zip(genes, statuses, strict=True) if s is MET]
    unknown = [g for g, s in zip(genes, statuses, strict=True) if s is UNKNOWN]
    value = f"mutated: {', '.join(hits) or 'none'}"
    if unknown:
        value += f"; not tested: {', '.join(unknown)}"
    return t.check(
        "mr_genes",
        f"Myelodysplasia-related gene mutation ({system}: {', '.join(genes)})",
        any_of(*statuses),
        value,
        r.genes_src("mr_genes"),
    )


def who_bitp53(f: DiagnosticFindings, r: Rules, t: Trace) -> CriterionStatus:
    """WHO 2022 biallelic TP53: >=2 mutations, or 1 with copy loss/cnLOH (VAF >50 % presumptive)."""
    found = f.variants_of("TP53")
    limit = r.v("tp53_presumptive_biallelic_vaf_gt")
    if not found:
        status = NOT_MET if f.gene_read("TP53") else UNKNOWN
    elif len(found) >= 2:
        status = MET
    elif any(v.vaf_percent is not None and v.vaf_percent > limit for v in found):
        status = MET
    else:
        status = tp53_copy_evidence(f)
        if status is UNKNOWN:
            t.miss(
                _TP53_COPY, "a second TP53 hit would make it MDS with biallelic TP53 inactivation"
            )
    if status is UNKNOWN and not found:
        t.miss(
            "TP53 mutation status", "MDS with biallelic TP53 inactivation (any blast count <20 %)"
        )
    return t.check(
        "tp53_biallelic",
        "Biallelic TP53 inactivation (>=2 mutations, or 1 with loss/cnLOH of the other allele)",
        status,
        _tp53_value(f),
        r.src("tp53_presumptive_biallelic_vaf_gt"),
    )


def icc_tp53_any(f: DiagnosticFindings, r: Rules, t: Trace) -> CriterionStatus:
    """ICC 2022: any TP53 mutation with VAF >=10 % (AML and MDS/AML with mutated TP53)."""
    status = mutated(f, "TP53", r.v("tp53_vaf_ge"))
    if status is UNKNOWN:
        t.miss("TP53 mutation status (with VAF)", "AML or MDS/AML with mutated TP53 (ICC 2022)")
    return t.check(
        "tp53_vaf10",
        "TP53 mutation with VAF >=10 %",
        status,
        _tp53_value(f),
        r.src("tp53_vaf_ge"),
    )


def icc_tp53_mds(f: DiagnosticFindings, r: Rules, t: Trace) -> CriterionStatus:
    """ICC 2022 MDS with mutated TP53: multi-hit, or one mutation >=10 % with complex karyotype."""
    floor = r.v("tp53_vaf_ge")
    found = f.variants_of("TP53")
    qualifying = [v for v in found if v.vaf_percent is not None and v.vaf_percent >= floor]
    vaf_unknown = any(v.vaf_percent is None for v in found)
    k = f.karyotype
    if not found:
        status = NOT_MET if f.gene_read("TP53") else UNKNOWN
        if status is UNKNOWN:
            t.miss("TP53 mutation status (with VAF)", "MDS with mutated TP53 (ICC 2022)")
    elif len(qualifying) >= 2:
        status = MET
    elif qualifying:
        single_hit_vaf = r.v("tp53_single_hit_vaf_gt")
        vaf_high = any(
            v.vaf_percent is not None and v.vaf_percent > single_hit_vaf for v in qualifying
        )
        complex_k = k is not None and k.complex_who_icc
        status = MET if vaf_high or complex_k else tp53_copy_evidence(f)
        if status is UNKNOWN:
            t.miss(_TP53_COPY, "a second TP53 hit would make it MDS with mutated TP53 (ICC 2022)")
        if status is NOT_MET and k is None:
            status = UNKNOWN
            t.miss("Karyotype", "a complex karyotype with TP53 makes it MDS with mutated TP53")
    else:
        status = UNKNOWN if vaf_unknown else NOT_MET
    return t.check(
        "tp53_multihit",
        "Multi-hit TP53 (2 mutations >=10 %; or 1 with 17p loss, cnLOH, VAF >50 %"
        " or complex karyotype)",
        status,
        _tp53_value(f),
        f"{r.src('tp53_vaf_ge')}; {r.src('tp53_single_hit_vaf_gt')}",
    )


def _tp53_value(f: DiagnosticFindings) -> str:
    k = f.karyotype
    copy = (
        f"17p loss on karyotype: {'yes' if k and (k.del17p or k.minus17) else 'no' if k else '?'}"
        f", copy loss: {_yn(f.tp53_copy_loss)}, cnLOH: {_yn(f.tp53_cnloh)}"
    )
    return f"{variant_text(f, 'TP53')}; {copy}"


def _yn(value: bool | None) -> str:
    return "not tested" if value is None else ("yes" if value else "no")


def cebpa(f: DiagnosticFindings, t: Trace, icc: bool, source: str) -> CriterionStatus:
    """WHO: biallelic or bZIP; ICC: in-frame bZIP. Unknown when the detail is not reported."""
    found = f.variants_of("CEBPA")
    if not found:
        status = NOT_MET if f.gene_read("CEBPA") else UNKNOWN
    else:
        details = [v.detail.lower().replace(" ", "") for v in found]
        bzip = [("bzip" in d, "in-frame" in d or "inframe" in d) for d in details]
        if icc:
            status = MET if any(b and i for b, i in bzip) else NOT_MET
        else:
            status = MET if len(found) >= 2 or any(b for b, _ in bzip) else NOT_MET
        if status is NOT_MET and any(not d for d in details):
            status = UNKNOWN
    text = "CEBPA in-frame bZIP mutation" if icc else "CEBPA biallelic or bZIP mutation"
    return t.check("cebpa", text, status, variant_text(f, "CEBPA"), source)


def qualifiers(f: DiagnosticFindings, r: Rules, icc: bool, name: str) -> tuple[str, ...]:
    """History qualifiers and germline prompts; a prompt never asserts germline origin."""
    out: list[str] = []
    if f.prior_cytotoxic_therapy:
        out.append("therapy-related" if icc else "post cytotoxic therapy (MN-pCT)")
    if icc and (name.startswith("AML") or name.startswith("MDS/AML")):
        if f.prior_mds:
            out.append("progressed from MDS")
        if f.prior_mds_mpn:
            out.append("progressed from MDS/MPN")
    if f.germline_predisposition_known:
        out.append(
            "in the setting of germline predisposition"
            if icc
            else "associated with germline predisposition"
        )
    low, high, _ = r.germline_band()
    for v in f.variants or ():
        if v.gene.upper() not in r.genes("germline_prompt"):
            continue
        if v.germline:
            out.append(
                f"Prompt: {v.gene} variant reported as germline: consider germline predisposition"
            )
        elif v.vaf_percent is not None and low <= v.vaf_percent <= high:
            out.append(
                f"Prompt: {v.gene} VAF {show(v.vaf_percent, '%')} (near 50 %): consider "
                "germline testing; not a finding of germline origin"
            )
    return tuple(dict.fromkeys(out))


def bcr_abl1(f: DiagnosticFindings, t: Trace, source: str) -> CriterionStatus:
    """Absence of BCR::ABL1 (an exclusion for CMML and MDS/MPN)."""
    status = negate(fusion(f, Rearrangement.BCR_ABL1))
    return t.check("no_bcr_abl1", "No BCR::ABL1", status, None, source)
