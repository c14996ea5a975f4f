"""ICC 2022 (Arber 2022, Blood 140:1200) categories for myeloid neoplasms.

Precedence: AML with recurrent genetic abnormalities (>=10 % blasts; BCR::ABL1 >=20 %),
then by blasts: >=20 % AML with mutated TP53, with MR gene mutations, with MR cytogenetic
abnormalities, NOS; 10-19 % the same ladder as MDS/AML (after CMML-2); <10 % CMML,
MDS/MPN with thrombocytosis, then MDS with mutated TP53, del(5q), SF3B1, EB and NOS.
History (therapy, prior MDS or MDS/MPN, germline) becomes qualifiers, not categories.
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
    mutated,
    negate,
    of_bool,
    variant_text,
)
from marrowscope.domain.diagnosis.classification._genetics import (
    cebpa,
    icc_tp53_any,
    icc_tp53_mds,
    mr_cytogenetics,
    mr_genes,
    qualifiers,
)
from marrowscope.domain.diagnosis.classification._mdsmpn import cmml, mdsmpn_thrombocytosis
from marrowscope.domain.diagnosis.classification.findings_input import DiagnosticFindings
from marrowscope.domain.diagnosis.findings import Candidate, CriterionStatus, Rearrangement

SYSTEM = "ICC 2022"


def classify_icc2022(f: DiagnosticFindings) -> Candidate:
    """The ICC 2022 category the findings are consistent with, and why."""
    r = Rules("icc2022")
    t = Trace(SYSTEM)
    name = _walk(f, r, t)
    return t.candidate(name, qualifiers(f, r, icc=True, name=name))


def _walk(f: DiagnosticFindings, r: Rules, t: Trace) -> str:
    if f.blasts_percent_marrow is None and f.blasts_percent_blood is None:
        t.miss("Marrow blast percentage", "every AML, MDS/AML, MDS and CMML category depends on it")
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
    ten = t.check(
        "blasts_10",
        "Blasts >=10 % in marrow or blood",
        blasts_reach(f, r.v("recurrent_blasts_ge"), r.v("mds_aml_blood_ge")),
        blasts_text(f),
        r.src("recurrent_blasts_ge"),
    )
    name = _recurrent(f, r, t, ten)
    if name is not None:
        return name
    if aml is MET:
        return _genetic_ladder(f, r, t, "AML", "AML, not otherwise specified")
    name = cmml(f, r, t, icc=True)
    if name is not None:
        return name
    if ten is MET:
        return _genetic_ladder(f, r, t, "MDS/AML", "MDS/AML, not otherwise specified")
    name = mdsmpn_thrombocytosis(f, r, t, icc=True)
    return name or _mds(f, r, t)


def _recurrent(f: DiagnosticFindings, r: Rules, t: Trace, ten: CriterionStatus) -> str | None:
    seen = [rule for rule in r.rearrangements() if fusion(f, rule.rearrangement) is MET]
    if f.karyotype is None:
        t.miss(
            "Karyotype (or FISH/RNA fusion testing)",
            "AML with a recurrent rearrangement (>=10 % blasts) or MR cytogenetics",
        )
    t.check(
        "recurrent_fusion",
        "Recurrent AML-defining rearrangement",
        MET if seen else (UNKNOWN if f.karyotype is None else NOT_MET),
        ", ".join(rule.rearrangement.value for rule in seen) or None,
        "ICC2022 AML with recurrent genetic abnormalities",
    )
    for rule in seen:
        enough = t.check(
            f"blasts_{rule.rearrangement.name}",
            f"{rule.name}: blasts >={rule.blasts_ge:g} %",
            blasts_reach(f, rule.blasts_ge, rule.blasts_ge),
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
        "NPM1 mutation (with >=10 % blasts)",
        mutated(f, "NPM1"),
        variant_text(f, "NPM1"),
        r.src("recurrent_blasts_ge"),
    )
    ceb = cebpa(f, t, icc=True, source=r.src("recurrent_blasts_ge"))
    if ten is not MET:
        return None
    if npm1 is MET:
        return "AML with mutated NPM1"
    if ceb is MET:
        return "AML with in-frame bZIP CEBPA mutation"
    if npm1 is UNKNOWN:
        t.miss("NPM1 mutation status", "AML with mutated NPM1 (ICC 2022: >=10 % blasts)")
    if ceb is UNKNOWN:
        t.miss("CEBPA mutation status (in-frame bZIP?)", "AML with in-frame bZIP CEBPA mutation")
    return None


def _genetic_ladder(f: DiagnosticFindings, r: Rules, t: Trace, prefix: str, nos: str) -> str:
    """TP53, then MR genes, then MR cytogenetics: shared by AML (>=20 %) and MDS/AML (10-19 %)."""
    tp53 = icc_tp53_any(f, r, t)
    if tp53 is MET:
        return f"{prefix} with mutated TP53"
    genes = mr_genes(f, r, t, SYSTEM)
    if genes is MET:
        return f"{prefix} with myelodysplasia-related gene mutations"
    if genes is UNKNOWN:
        t.miss("Myeloid panel (MR genes)", f"{prefix} with myelodysplasia-related gene mutations")
    if mr_cytogenetics(f, r, t, SYSTEM) is MET:
        return f"{prefix} with myelodysplasia-related cytogenetic abnormalities"
    return nos


def _mds(f: DiagnosticFindings, r: Rules, t: Trace) -> str:
    if cytopenia(f, r, t) is NOT_MET:
        return NO_CATEGORY
    if icc_tp53_mds(f, r, t) is MET:
        return "MDS with mutated TP53"
    low = t.check(
        "low_blasts",
        "Blasts <5 % marrow and <2 % blood",
        negate(blasts_reach(f, r.v("eb_marrow_ge"), r.v("eb_blood_ge"))),
        blasts_text(f),
        f"{r.src('eb_marrow_ge')}; {r.src('eb_blood_ge')}",
    )
    if low is NOT_MET:
        if f.blasts_percent_blood is None:
            t.miss("Blood blast percentage", ">=10 % blood blasts make it MDS/AML")
        return "MDS with excess blasts (MDS-EB)"
    if f.blasts_percent_blood is None:
        t.miss("Blood blast percentage", "2-9 % blood blasts make it MDS-EB")
    k = f.karyotype
    del5q = t.check(
        "mds_5q",
        "del(5q) alone or with one other abnormality other than -7/del(7q)",
        UNKNOWN
        if k is None
        else of_bool(k.del5q and k.abnormality_count_who_icc <= 2 and not (k.minus7 or k.del7q)),
        None if k is None else k.iscn,
        "ICC2022 MDS table: MDS-del(5q)",
    )
    if all_of(low, del5q) is MET:
        return "MDS with del(5q)"
    name = _sf3b1(f, r, t, low)
    if name is not None:
        return name
    return _nos(f, r, t)


def _sf3b1(f: DiagnosticFindings, r: Rules, t: Trace, low: CriterionStatus) -> str | None:
    k = f.karyotype
    sf3b1 = t.check(
        "sf3b1",
        "SF3B1 mutation with VAF >=10 %",
        mutated(f, "SF3B1", r.v("sf3b1_vaf_ge")),
        variant_text(f, "SF3B1"),
        r.src("sf3b1_vaf_ge"),
    )
    if sf3b1 is NOT_MET:
        return None
    bad_karyotype = (
        UNKNOWN
        if k is None
        else of_bool(
            k.del5q
            or k.minus7
            or k.del7q
            or k.complex_who_icc
            or bool(k.rearrangements & {Rearrangement.GATA2_MECOM, Rearrangement.MECOM_OTHER})
        )
    )
    exclusions = t.check(
        "sf3b1_exclusions",
        "No del(5q), -7/del(7q), 3q26.2 abnormality, complex karyotype or RUNX1 mutation",
        negate(any_of(bad_karyotype, mutated(f, "RUNX1"))),
        variant_text(f, "RUNX1"),
        "ICC2022 MDS table: MDS-SF3B1",
    )
    status = all_of(low, sf3b1, exclusions)
    if status is UNKNOWN:
        what = "SF3B1 mutation status (with VAF)" if sf3b1 is UNKNOWN else "RUNX1 status, karyotype"
        t.miss(what, "MDS with mutated SF3B1 (ICC 2022)")
    return "MDS with mutated SF3B1" if status is MET else None


def _nos(f: DiagnosticFindings, r: Rules, t: Trace) -> str:
    dys = dysplasia(f, r, t)
    count = f.lineage_count()
    if dys is MET:
        if count is None:
            t.miss("Dysplasia per lineage", "single- vs multilineage dysplasia (MDS-NOS)")
            return "MDS, not otherwise specified"
        kind = "single lineage" if count == 1 else "multilineage"
        return f"MDS, not otherwise specified, with {kind} dysplasia"
    k = f.karyotype
    defining = t.check(
        "nos_without_dysplasia",
        "Without dysplasia: -7/del(7q) or complex karyotype",
        UNKNOWN if k is None else of_bool(k.minus7 or k.del7q or k.complex_who_icc),
        None if k is None else k.iscn,
        "ICC2022 MDS table: MDS-NOS without dysplasia",
    )
    if defining is MET and dys is NOT_MET:
        return "MDS, not otherwise specified, without dysplasia"
    if dys is UNKNOWN:
        t.miss("Dysplasia assessment (>=10 % per lineage)", "MDS-NOS vs no category (CCUS)")
    if defining is MET:
        return "MDS, not otherwise specified, without dysplasia"
    return NO_CATEGORY
