"""WHO 2022 (5th edition; Khoury 2022, Leukemia 36:1703) categories for myeloid neoplasms.

The walk follows the classification's precedence: AML with defining genetic abnormalities
(no blast threshold except BCR::ABL1 and CEBPA, 20 %), then AML-MR and AML defined by
differentiation (>=20 %), then CMML and MDS/MPN with SF3B1 and thrombocytosis, then MDS
(genetically defined before morphologically defined). One candidate comes back, always
with the trace; "No myeloid category met" when nothing fits.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.classification._common import (
    MET,
    NO_CATEGORY,
    NOT_MET,
    UNKNOWN,
    Rules,
    Trace,
    all_of,
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
    variant_text,
)
from marrowscope.domain.diagnosis.classification._genetics import (
    cebpa,
    mr_cytogenetics,
    mr_genes,
    qualifiers,
    who_bitp53,
)
from marrowscope.domain.diagnosis.classification._mdsmpn import cmml, mdsmpn_thrombocytosis
from marrowscope.domain.diagnosis.classification.findings_input import DiagnosticFindings
from marrowscope.domain.diagnosis.findings import Candidate, CriterionStatus, Rearrangement

SYSTEM = "WHO 2022"


def classify_who2022(f: DiagnosticFindings) -> Candidate:
    """The WHO 2022 category the findings are consistent with, and why."""
    r = Rules("who2022")
    t = Trace(SYSTEM)
    name = _walk(f, r, t)
    return t.candidate(name, qualifiers(f, r, icc=False, name=name))


def _walk(f: DiagnosticFindings, r: Rules, t: Trace) -> str:
    if f.blasts_percent_marrow is None and f.blasts_percent_blood is None:
        t.miss("Marrow blast percentage", "every AML, MDS and CMML category depends on it")
        return NO_CATEGORY
    if f.blasts_percent_marrow is None:
        t.miss("Marrow blast percentage", "the marrow count can raise the blast category")
    aml = t.check(
        "blasts_aml",
        "Blasts >=20 % in marrow or blood",
        blasts_reach(f, r.v("aml_blasts_ge"), r.v("aml_blasts_ge")),
        blasts_text(f),
        r.src("aml_blasts_ge"),
    )
    name = _defining_genetics(f, r, t, aml)
    if name is not None:
        return name
    if aml is MET:
        return _aml_by_history_or_differentiation(f, r, t)
    name = cmml(f, r, t, icc=False) or mdsmpn_thrombocytosis(f, r, t, icc=False)
    return name or _mds(f, r, t)


def _defining_genetics(
    f: DiagnosticFindings, r: Rules, t: Trace, aml: CriterionStatus
) -> str | None:
    seen = [rule for rule in r.rearrangements() if fusion(f, rule.rearrangement) is MET]
    if f.karyotype is None:
        t.miss(
            "Karyotype (or FISH/RNA fusion testing)",
            "an AML-defining rearrangement (most at any blast count) or MR cytogenetics",
        )
    t.check(
        "defining_fusion",
        "AML-defining rearrangement",
        MET if seen else (UNKNOWN if f.karyotype is None else NOT_MET),
        ", ".join(rule.rearrangement.value for rule in seen) or None,
        "WHO2022 AML with defining genetic abnormalities",
    )
    for rule in seen:
        if rule.blasts_ge <= 0:
            return rule.name
        enough = blasts_reach(f, rule.blasts_ge, rule.blasts_ge)
        t.check(
            f"blasts_{rule.rearrangement.name}",
            f"{rule.name}: blasts >={rule.blasts_ge:g} %",
            enough,
            blasts_text(f),
            rule.source,
        )
        if enough is MET:
            return rule.name
        if rule.rearrangement is Rearrangement.BCR_ABL1:
            t.miss("Assessment for CML (not covered here)", "BCR::ABL1 with <20 % blasts")
            return NO_CATEGORY
    npm1 = t.check(
        "npm1",
        "NPM1 mutation (no blast threshold)",
        mutated(f, "NPM1"),
        variant_text(f, "NPM1"),
        "WHO2022 AML with NPM1 mutation",
    )
    if npm1 is MET:
        return "AML with NPM1 mutation"
    relevant = any_of(aml, blasts_reach(f, r.v("ib1_marrow_ge"), r.v("ib1_blood_ge")))
    if npm1 is UNKNOWN and relevant is not NOT_MET:
        t.miss("NPM1 mutation status", "AML with NPM1 mutation (WHO 2022: at any blast count)")
    if aml is MET:
        ceb = cebpa(f, t, icc=False, source="WHO2022 AML with CEBPA mutation (>=20 % blasts)")
        if ceb is MET:
            return "AML with CEBPA mutation"
        if ceb is UNKNOWN:
            t.miss("CEBPA mutation status (with bZIP location)", "AML with CEBPA mutation")
    return None


def _aml_by_history_or_differentiation(f: DiagnosticFindings, r: Rules, t: Trace) -> str:
    history = t.check(
        "mr_history",
        "History of MDS or MDS/MPN",
        any_of(of_bool(f.prior_mds), of_bool(f.prior_mds_mpn)),
        None,
        "WHO2022 AML-MR: history of MDS or MDS/MPN",
    )
    cyto = mr_cytogenetics(f, r, t, SYSTEM)
    genes = mr_genes(f, r, t, SYSTEM)
    status = any_of(history, cyto, genes)
    if status is MET:
        return "AML, myelodysplasia-related"
    if genes is UNKNOWN:
        t.miss("Myeloid panel (MR genes)", "AML, myelodysplasia-related")
    if history is UNKNOWN:
        t.miss("History of MDS or MDS/MPN", "AML, myelodysplasia-related")
    return "AML, defined by differentiation"


def _mds(f: DiagnosticFindings, r: Rules, t: Trace) -> str:
    if cytopenia(f, r, t) is NOT_MET:
        return NO_CATEGORY
    bitp53 = who_bitp53(f, r, t)
    if bitp53 is MET:
        return "MDS with biallelic TP53 inactivation (MDS-biTP53)"
    low = t.check(
        "low_blasts",
        "Blasts <5 % marrow and <2 % blood",
        negate(blasts_reach(f, r.v("ib1_marrow_ge"), r.v("ib1_blood_ge"))),
        blasts_text(f),
        f"{r.src('ib1_marrow_ge')}; {r.src('ib1_blood_ge')}",
    )
    k = f.karyotype
    if low is not NOT_MET:
        if f.blasts_percent_blood is None:
            t.miss("Blood blast percentage", "2-4 % blood blasts make it MDS-IB1")
        del5q = t.check(
            "mds_5q",
            "del(5q) alone or with one other abnormality other than -7/del(7q)",
            UNKNOWN
            if k is None
            else of_bool(
                k.del5q and k.abnormality_count_who_icc <= 2 and not (k.minus7 or k.del7q)
            ),
            None if k is None else k.iscn,
            "WHO2022 Table 3: MDS-5q",
        )
        if all_of(low, del5q) is MET:
            return "MDS with low blasts and isolated 5q deletion (MDS-5q)"
        name = _mds_sf3b1(f, r, t, low)
        if name is not None:
            return name
    return _mds_morphological(f, r, t, low)


def _mds_sf3b1(f: DiagnosticFindings, r: Rules, t: Trace, low: CriterionStatus) -> str | None:
    k = f.karyotype
    sf3b1 = mutated(f, "SF3B1", r.v("sf3b1_vaf_ge"))
    rs = ge(f.ring_sideroblasts_percent, r.v("ring_sideroblasts_ge"))
    t.check(
        "sf3b1",
        "SF3B1 mutation with VAF >=5 %",
        sf3b1,
        variant_text(f, "SF3B1"),
        r.src("sf3b1_vaf_ge"),
    )
    t.check(
        "ring_sideroblasts",
        "Ring sideroblasts >=15 % (substitute for SF3B1)",
        rs,
        None if f.ring_sideroblasts_percent is None else f"{f.ring_sideroblasts_percent:g} %",
        r.src("ring_sideroblasts_ge"),
    )
    exclusions = t.check(
        "sf3b1_karyotype",
        "No del(5q), monosomy 7 or complex karyotype",
        UNKNOWN if k is None else of_bool(not (k.del5q or k.minus7 or k.complex_who_icc)),
        None if k is None else k.iscn,
        "WHO2022 Table 3: MDS-SF3B1",
    )
    genetic = any_of(sf3b1, rs)
    if genetic is UNKNOWN:
        t.miss("SF3B1 mutation status or ring sideroblasts (iron stain)", "MDS-SF3B1")
    if all_of(low, genetic, exclusions) is not MET:
        return None
    if sf3b1 is MET:
        return "MDS with low blasts and SF3B1 mutation (MDS-SF3B1)"
    return "MDS with low blasts and ring sideroblasts (MDS-SF3B1 category)"


def _mds_morphological(f: DiagnosticFindings, r: Rules, t: Trace, low: CriterionStatus) -> str:
    dys = dysplasia(f, r, t)
    ib1 = blasts_reach(f, r.v("ib1_marrow_ge"), r.v("ib1_blood_ge"))
    evidence = t.check(
        "mds_evidence",
        "Dysplasia or increased blasts (defines MDS beyond cytopenia)",
        any_of(dys, ib1),
        None,
        "WHO2022 Table 3",
    )
    if evidence is NOT_MET:
        return NO_CATEGORY
    if evidence is UNKNOWN:
        t.miss("Dysplasia assessment (>=10 % per lineage)", "MDS vs no category (ICUS/CCUS)")
    if ib1 is MET:
        fibrosis = t.check(
            "fibrosis",
            "Marrow fibrosis grade 2-3",
            ge(f.fibrosis_grade, r.v("fibrosis_grade_ge")),
            None if f.fibrosis_grade is None else f"MF-{f.fibrosis_grade}",
            r.src("fibrosis_grade_ge"),
        )
        if fibrosis is MET:
            return "MDS with fibrosis (MDS-f)"
        if fibrosis is UNKNOWN:
            t.miss("Trephine fibrosis grade", "MDS with fibrosis (MDS-f)")
        ib2 = t.check(
            "ib2",
            "Blasts >=10 % marrow or >=5 % blood, or Auer rods",
            any_of(
                blasts_reach(f, r.v("ib2_marrow_ge"), r.v("ib2_blood_ge")),
                of_bool(f.auer_rods) if f.auer_rods else NOT_MET,
            ),
            blasts_text(f),
            f"{r.src('ib2_marrow_ge')}; {r.src('ib2_blood_ge')}",
        )
        if ib2 is MET:
            return "MDS with increased blasts 2 (MDS-IB2)"
        if f.blasts_percent_blood is None:
            t.miss("Blood blast percentage", ">=5 % blood blasts make it MDS-IB2")
        return "MDS with increased blasts 1 (MDS-IB1)"
    hypo = t.check(
        "hypoplastic",
        "Hypoplastic marrow (cellularity <=25 %, age adjusted)",
        of_bool(f.hypoplastic)
        if f.hypoplastic is not None
        else (
            UNKNOWN
            if f.cellularity_percent is None
            else of_bool(f.cellularity_percent <= r.v("hypoplastic_cellularity_le"))
        ),
        None,
        r.src("hypoplastic_cellularity_le"),
    )
    if hypo is MET:
        return "MDS, hypoplastic (MDS-h)"
    count = f.lineage_count()
    suffix = (
        ""
        if count is None or count == 0
        else (", single-lineage dysplasia" if count == 1 else ", multilineage dysplasia")
    )
    return f"MDS with low blasts (MDS-LB){suffix}"
