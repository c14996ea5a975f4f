"""The MDS/MPN categories both systems test before MDS: CMML and MDS/MPN with thrombocytosis.

They differ in detail: WHO 2022 CMML needs no cytopenia and, below 1 x10^9/L monocytes,
both dysplasia and clonality; ICC 2022 CMML needs cytopenia and clonality (abnormal
karyotype or a myeloid mutation with VAF >=10 %), or without clonality >=1 x10^9/L
monocytes plus increased blasts, dysplasia or an abnormal monocyte immunophenotype.
Each function returns the category name, or None when the category is not met.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.classification._common import (
    MET,
    NOT_MET,
    UNKNOWN,
    Rules,
    Trace,
    all_of,
    anaemia,
    any_of,
    blasts_reach,
    blasts_text,
    cytopenia,
    dysplasia,
    fusion,
    ge,
    mutated,
    negate,
    of_bool,
    show,
)
from marrowscope.domain.diagnosis.classification._genetics import bcr_abl1
from marrowscope.domain.diagnosis.classification.findings_input import DiagnosticFindings
from marrowscope.domain.diagnosis.findings import CriterionStatus, Rearrangement


def _monocyte_percent(f: DiagnosticFindings) -> float | None:
    if f.monocytes_percent_blood is not None:
        return f.monocytes_percent_blood
    if f.monocytes_10e9_per_l is not None and f.wbc_10e9_per_l:
        return 100.0 * f.monocytes_10e9_per_l / f.wbc_10e9_per_l
    return None


def _clonality(f: DiagnosticFindings, min_vaf: float | None) -> CriterionStatus:
    """Abnormal karyotype or a somatic myeloid mutation (at ``min_vaf`` or more, if given)."""
    karyotype = UNKNOWN if f.karyotype is None else of_bool(not f.karyotype.normal)
    somatic = [v for v in f.variants or () if not v.germline]
    if f.variants is None:
        mutation = UNKNOWN
    elif min_vaf is None:
        mutation = of_bool(bool(somatic))
    else:
        mutation = any_of(*(mutated(f, v.gene, min_vaf) for v in somatic), NOT_MET)
    return any_of(karyotype, mutation)


def cmml(f: DiagnosticFindings, r: Rules, t: Trace, icc: bool) -> str | None:
    monos = f.monocytes_10e9_per_l
    percent = _monocyte_percent(f)
    monocytosis = all_of(
        ge(monos, r.v("cmml_monocytes_ge")), ge(percent, r.v("cmml_monocytes_percent_ge"))
    )
    t.check(
        "cmml_monocytosis",
        "Blood monocytes >=0.5 x10^9/L and >=10 % of WBC",
        monocytosis,
        f"{show(monos, 'x10^9/L')}, {show(None if percent is None else round(percent, 1), '%')}",
        f"{r.src('cmml_monocytes_ge')}; {r.src('cmml_monocytes_percent_ge')}",
    )
    if monocytosis is NOT_MET:
        return None
    if monocytosis is UNKNOWN:
        t.miss("Absolute and relative blood monocyte count", "CMML if monocytosis is present")
        return None
    no_bcr = bcr_abl1(f, t, r.src("cmml_monocytes_ge"))
    dys = dysplasia(f, r, t)
    partition = t.check(
        "monocyte_partitioning",
        "Abnormal partitioning of blood monocyte subsets (flow)",
        of_bool(f.abnormal_monocyte_partitioning),
        None,
        r.src("cmml_monocytes_ge"),
    )
    if icc:
        clone = t.check(
            "cmml_clonality",
            "Clonality: abnormal karyotype or myeloid mutation with VAF >=10 %",
            _clonality(f, r.v("cmml_clone_vaf_ge")),
            None,
            r.src("cmml_clone_vaf_ge"),
        )
        without_clone = all_of(
            ge(monos, r.v("cmml_no_clone_monocytes_ge")),
            any_of(blasts_reach(f, r.v("eb_marrow_ge"), r.v("eb_blood_ge")), dys, partition),
        )
        supporting = all_of(cytopenia(f, r, t), any_of(clone, without_clone))
    else:
        clone = t.check(
            "cmml_clonality",
            "Clonality: acquired cytogenetic or molecular abnormality",
            _clonality(f, None),
            None,
            r.src("cmml_monocytes_one_supporting_ge"),
        )
        high = ge(monos, r.v("cmml_monocytes_one_supporting_ge"))
        supporting = any_of(dys, clone, partition) if high is MET else all_of(dys, clone)
    t.check(
        "cmml_supporting",
        "CMML requirements beyond monocytosis ("
        + (
            "cytopenia and clonality, or >=1 x10^9/L with blasts/dysplasia/immunophenotype)"
            if icc
            else ">=1 x10^9/L: one supporting criterion; below: dysplasia and clonality)"
        ),
        supporting,
        None,
        r.src("cmml_no_clone_monocytes_ge" if icc else "cmml_monocytes_one_supporting_ge"),
    )
    core = all_of(no_bcr, supporting)
    if core is UNKNOWN:
        t.miss("Dysplasia, karyotype and myeloid panel", "CMML (monocytosis is present)")
    if core is not MET:
        return None
    persistent = t.check(
        "cmml_persistent",
        "Monocytosis persistent",
        of_bool(f.monocytosis_persistent),
        None,
        r.src("cmml_monocytes_ge"),
    )
    if persistent is UNKNOWN:
        t.miss("Persistence of monocytosis (repeat count)", "CMML needs persistent monocytosis")
    elif persistent is NOT_MET:
        return None
    grade = blasts_reach(f, r.v("cmml2_marrow_ge"), r.v("cmml2_blood_ge"))
    t.check(
        "cmml2_blasts",
        "Blasts (with promonocytes) >=10 % marrow or >=5 % blood (CMML-2)",
        grade,
        blasts_text(f),
        f"{r.src('cmml2_marrow_ge')}; {r.src('cmml2_blood_ge')}",
    )
    name = "CMML-2" if grade is MET else "CMML-1"
    if f.wbc_10e9_per_l is None:
        t.miss("White cell count", "myelodysplastic vs myeloproliferative CMML")
        return name
    mp = f.wbc_10e9_per_l >= r.v("cmml_mp_wbc_ge")
    return f"{name}, {'myeloproliferative (MP-CMML)' if mp else 'myelodysplastic (MD-CMML)'}"


def mdsmpn_thrombocytosis(f: DiagnosticFindings, r: Rules, t: Trace, icc: bool) -> str | None:
    thromb = t.check(
        "thrombocytosis",
        "Platelets >=450 x10^9/L",
        ge(f.platelets_10e9_per_l, r.v("mdsmpn_platelets_ge")),
        show(f.platelets_10e9_per_l, "x10^9/L"),
        r.src("mdsmpn_platelets_ge"),
    )
    if thromb is not MET:
        return None
    bm, pb = f.blasts_percent_marrow, f.blasts_percent_blood
    low = all_of(
        negate(ge(bm, r.v("mdsmpn_marrow_blasts_lt"))),
        NOT_MET if pb is not None and pb >= r.v("mdsmpn_blood_blasts_lt") else MET,
    )
    sf3b1 = mutated(f, "SF3B1", r.v("sf3b1_vaf_ge"))
    rs = ge(f.ring_sideroblasts_percent, r.v("ring_sideroblasts_ge"))
    k = f.karyotype
    excluded = any_of(
        fusion(f, Rearrangement.BCR_ABL1),
        UNKNOWN if k is None else of_bool(k.del5q),
        fusion(f, Rearrangement.GATA2_MECOM),
        of_bool(bool(f.prior_cytotoxic_therapy)) if icc else NOT_MET,
    )
    checks = (
        t.check("mdsmpn_anaemia", "Anaemia", anaemia(f, r), None, r.src("haemoglobin_male_lt")),
        t.check(
            "mdsmpn_blasts",
            "Blasts <5 % marrow and <1 % blood",
            low,
            blasts_text(f),
            r.src("mdsmpn_marrow_blasts_lt"),
        ),
        t.check(
            "mdsmpn_genetic",
            "SF3B1 mutation, or >=15 % ring sideroblasts",
            any_of(sf3b1, rs),
            f"SF3B1 {sf3b1.value}, ring sideroblasts {show(f.ring_sideroblasts_percent, '%')}",
            f"{r.src('sf3b1_vaf_ge')}; {r.src('ring_sideroblasts_ge')}",
        ),
        t.check(
            "mdsmpn_exclusions",
            "No BCR::ABL1, del(5q) or inv(3)/t(3;3)"
            + (", no prior cytotoxic therapy" if icc else ""),
            negate(excluded),
            None,
            r.src("mdsmpn_platelets_ge"),
        ),
    )
    status = all_of(*checks)
    if status is UNKNOWN:
        t.miss("SF3B1 status, ring sideroblasts, karyotype", "MDS/MPN with thrombocytosis")
    if status is not MET:
        return None
    if sf3b1 is MET:
        return (
            "MDS/MPN with thrombocytosis and SF3B1 mutation"
            if icc
            else "MDS/MPN with SF3B1 mutation and thrombocytosis"
        )
    if sf3b1 is UNKNOWN:
        t.miss("SF3B1 mutation status", "names the SF3B1-mutated MDS/MPN category")
    return (
        "MDS/MPN with ring sideroblasts and thrombocytosis, NOS"
        if icc
        else "MDS/MPN with ring sideroblasts and thrombocytosis"
    )
