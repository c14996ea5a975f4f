"""ELN 2022 genetic risk of AML at diagnosis (Döhner et al., Blood 2022;140:1345, Table 6).

Table 6 lists rows per group, but a case often matches rows of two groups; the footnotes
settle some overlaps and leave others open. So the case is reduced to eleven yes/no
features and one function, ``_group``, applies the precedence, in this order:

1. an adverse-risk rearrangement (t(6;9), KMT2A-r other than t(9;11), t(9;22), t(8;16),
   inv(3)/t(3;3), MECOM-r) -> Adverse, whatever else is present;
2. t(9;11) -> Intermediate over adverse-risk gene mutations (MR genes, TP53; footnote) and
   over a complex karyotype (which by definition excludes class-defining abnormalities);
   -5/del(5q), -7, -17/abn(17p) or a monosomal karyotype -> Adverse (the footnote covers
   gene mutations only);
3. CBF AML (t(8;21), inv(16)/t(16;16)) -> Favorable over MR-gene mutations (footnote),
   complex and monosomal karyotype (both defined to exclude CBF AML), KIT and FLT3
   (footnote); -5/del(5q), -7, -17/abn(17p) and TP53 -> Adverse (no exemption written);
4. any adverse cytogenetics -> Adverse (for mutated NPM1 a footnote says so);
5. TP53 (VAF >= 10 %) -> Adverse (no exemption for favorable subtypes is written);
6. mutated NPM1: without FLT3-ITD Favorable (MR genes exempt); with FLT3-ITD
   Intermediate, or Adverse with an MR-gene mutation (the exemption is for favorable
   subtypes only);
7. bZIP in-frame CEBPA -> Favorable (MR genes exempt; the row has no FLT3-ITD condition);
8. MR-gene mutation -> Adverse; 9. FLT3-ITD -> Intermediate; 10. anything else ->
   Intermediate ("not classified as favorable or adverse").

A missing result leaves its feature unknown (None). The group is then computed for every
way the unknown features could turn out; only a group they all agree on is stated.
Otherwise ``category`` is None (never a provisional group), ``alternatives`` lists the
possible groups and ``missing`` says which result decides between which of them.
Germline variants are not counted (Table 6 concerns the leukaemic clone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import product
from typing import Any

from marrowscope.domain.diagnosis.findings import (
    Criterion,
    CriterionStatus,
    KaryotypeFacts,
    MissingResult,
    Rearrangement,
    RiskResult,
    Variant,
)
from marrowscope.domain.tables import load_table

__all__ = ["ADVERSE", "FAVORABLE", "INTERMEDIATE", "SYSTEM", "eln2022_risk"]

SYSTEM = "ELN 2022"
FAVORABLE = "Favorable"
INTERMEDIATE = "Intermediate"
ADVERSE = "Adverse"
_ORDER = (FAVORABLE, INTERMEDIATE, ADVERSE)

_CYTO = ("adverse_rearr", "cbf", "t9_11", "adverse_cyto", "complex", "monosomal")
_FEATURES = (*_CYTO, "npm1", "flt3_itd", "cebpa_bzip", "mr_gene", "tp53")
_TEXT = {
    "adverse_rearr": "Adverse-risk rearrangement: t(6;9), t(v;11q23.3)/KMT2A-r, t(9;22), "
    "t(8;16), inv(3)/t(3;3), t(3q26.2;v)/MECOM-r",
    "cbf": "Core-binding factor rearrangement: t(8;21) or inv(16)/t(16;16)",
    "t9_11": "t(9;11)(p21.3;q23.3)/MLLT3::KMT2A",
    "adverse_cyto": "-5 or del(5q); -7; -17/abn(17p) (abn(17p): del(17p) or i(17q))",
    "complex": "Complex karyotype (ELN counting)",
    "monosomal": "Monosomal karyotype",
    "npm1": "Mutated NPM1",
    "flt3_itd": "FLT3-ITD",
    "cebpa_bzip": "bZIP in-frame mutated CEBPA",
    "mr_gene": "Mutated ASXL1, BCOR, EZH2, RUNX1, SF3B1, SRSF2, STAG2, U2AF1 and/or ZRSR2",
    "tp53": "Mutated TP53 with VAF >= 10 %",
}

Features = Mapping[str, bool]


def _table() -> dict[str, Any]:
    return load_table("eln2022")


def _group(f: Features) -> tuple[str, str]:
    """The ELN 2022 group of a fully known case, and the precedence rule that decided it."""
    if f["adverse_rearr"]:
        return ADVERSE, "adverse-risk rearrangement takes precedence over every other finding"
    if f["t9_11"]:
        if f["adverse_cyto"] or f["monosomal"]:
            return ADVERSE, "t(9;11) with adverse cytogenetics (its footnote covers only genes)"
        return INTERMEDIATE, "t(9;11) takes precedence over concurrent adverse gene mutations"
    if f["cbf"]:
        if f["adverse_cyto"] or f["tp53"]:
            return ADVERSE, "CBF AML with -5/del(5q), -7, -17/abn(17p) or TP53: not exempted"
        return FAVORABLE, "CBF AML (MR genes, KIT, FLT3, complex/monosomal do not count)"
    if f["adverse_cyto"] or f["complex"] or f["monosomal"]:
        return ADVERSE, "adverse cytogenetics (also over mutated NPM1, Table 6 footnote)"
    if f["tp53"]:
        return ADVERSE, "mutated TP53 (VAF >= 10 %): no exemption for favorable subtypes"
    if f["npm1"]:
        if not f["flt3_itd"]:
            return FAVORABLE, "mutated NPM1 without FLT3-ITD (MR-gene mutations do not count)"
        if f["mr_gene"]:
            return ADVERSE, "NPM1 with FLT3-ITD is not favorable: MR-gene mutation counts"
        return INTERMEDIATE, "mutated NPM1 with FLT3-ITD"
    if f["cebpa_bzip"]:
        return FAVORABLE, "bZIP in-frame mutated CEBPA (MR-gene mutations do not count)"
    if f["mr_gene"]:
        return ADVERSE, "mutated myelodysplasia-related gene"
    if f["flt3_itd"]:
        return INTERMEDIATE, "wild-type NPM1 with FLT3-ITD without adverse-risk lesions"
    return INTERMEDIATE, "abnormalities not classified as favorable or adverse"


def _cytogenetics(k: KaryotypeFacts | None) -> dict[str, bool | None]:
    if k is None:
        return dict.fromkeys(_CYTO)
    rows = _table()["rearrangements"]
    found = k.rearrangements

    def any_of(names: list[str]) -> bool:
        return any(Rearrangement[name] in found for name in names)

    return {
        "adverse_rearr": any_of(rows["adverse"]),
        "cbf": any_of(rows["favorable"]),
        "t9_11": any_of(rows["intermediate"]),
        "adverse_cyto": k.minus5 or k.del5q or k.minus7 or k.minus17 or k.del17p or k.i17q,
        "complex": k.complex_eln,
        "monosomal": k.monosomal,
    }


def _squash(text: str) -> str:
    return text.lower().replace("-", "").replace(" ", "").replace("_", "")


def _molecular(
    variants: Sequence[Variant] | None, genes_tested: frozenset[str] | None
) -> tuple[dict[str, bool | None], dict[str, str], dict[str, str]]:
    """Features from the panel, what is missing for each unknown one, and values shown."""
    table = _table()
    somatic = [v for v in (variants or ()) if not v.germline]
    tested = {g.upper() for g in genes_tested or ()} if variants is not None else set()

    def of(gene: str) -> list[Variant]:
        return [v for v in somatic if v.gene.upper() == gene]

    feats: dict[str, bool | None] = {}
    missing: dict[str, str] = {}
    shown: dict[str, str] = {}

    npm1 = of("NPM1")
    feats["npm1"] = True if npm1 else (False if "NPM1" in tested else None)
    missing["npm1"] = "NPM1 mutation status"

    flt3 = of("FLT3")
    itd = [v for v in flt3 if "itd" in _squash(v.detail)]
    undescribed = [v for v in flt3 if not v.detail.strip()]
    flt3_tested = bool(tested & {"FLT3", "FLT3-ITD"})
    feats["flt3_itd"] = True if itd else (None if undescribed or not flt3_tested else False)
    missing["flt3_itd"] = (
        "Whether the FLT3 variant is an internal tandem duplication (ITD)"
        if undescribed and not itd
        else "FLT3-ITD status"
    )

    cebpa = of("CEBPA")
    words = table["cebpa"]["detail_must_contain"]
    bzip = [
        v
        for v in cebpa
        if all(w in _squash(v.detail) for w in words)
        and not any(n in _squash(v.detail) for n in ("notinframe", "outofframe"))
    ]
    unclear = [v for v in cebpa if not v.detail.strip()]
    if bzip:
        feats["cebpa_bzip"] = True
    elif unclear:
        feats["cebpa_bzip"] = None
    else:
        feats["cebpa_bzip"] = False if cebpa or "CEBPA" in tested else None
    missing["cebpa_bzip"] = (
        "Whether the CEBPA mutation is in-frame in the bZIP region"
        if unclear and not bzip
        else "CEBPA mutation status"
    )
    if cebpa:
        shown["cebpa_bzip"] = "; ".join(v.detail or "detail not given" for v in cebpa)

    mr_genes: list[str] = table["myelodysplasia_related"]["genes"]
    mutated = [g for g in mr_genes if of(g)]
    untested = [g for g in mr_genes if g not in tested]
    feats["mr_gene"] = True if mutated else (None if untested else False)
    missing["mr_gene"] = "Mutation status of " + ", ".join(untested)
    if mutated:
        shown["mr_gene"] = ", ".join(mutated)

    cut: float = table["tp53"]["vaf_min_percent"]
    tp53 = of("TP53")
    vafs = [v.vaf_percent for v in tp53]
    if any(x is not None and x >= cut for x in vafs):
        feats["tp53"] = True
    elif any(x is None for x in vafs):
        feats["tp53"] = None
    else:
        feats["tp53"] = False if tp53 or "TP53" in tested else None
    missing["tp53"] = (
        "TP53 variant allele fraction" if tp53 else "TP53 mutation status (with its VAF)"
    )
    if tp53:
        shown["tp53"] = "; ".join("VAF not given" if x is None else f"VAF {x:g} %" for x in vafs)
    return feats, missing, shown


def _completions(known: Mapping[str, bool | None]) -> Iterator[dict[str, bool]]:
    unknown = [k for k in _FEATURES if known[k] is None]
    for values in product((False, True), repeat=len(unknown)):
        case = {k: bool(v) for k, v in known.items() if v is not None}
        case.update(zip(unknown, values, strict=True))
        yield case


def _decides(
    known: Mapping[str, bool | None], keys: Sequence[str], group: Callable[[Features], str]
) -> set[str]:
    """Groups between which the unknown ``keys`` decide (empty when they cannot matter)."""
    outcomes: dict[tuple[bool, ...], set[str]] = {}
    for case in _completions(known):
        rest = tuple(case[k] for k in _FEATURES if k not in keys)
        outcomes.setdefault(rest, set()).add(group(case))
    return set().union(*(s for s in outcomes.values() if len(s) > 1))


def _status(value: bool | None) -> CriterionStatus:
    if value is None:
        return CriterionStatus.UNKNOWN
    return CriterionStatus.MET if value else CriterionStatus.NOT_MET


def eln2022_risk(
    karyotype: KaryotypeFacts | None,
    variants: Sequence[Variant] | None,
    genes_tested: frozenset[str] | None,
) -> RiskResult:
    """ELN 2022 genetic risk group, or None with what is missing when results could change it.

    ``karyotype`` None: no cytogenetics (every ELN cytogenetic row unknown). ``variants``
    None: no molecular results. ``genes_tested``: genes the panel covered, so that a gene
    in it without a variant is wild-type; None means only the variants given are known
    (no gene counts as wild-type). FLT3-ITD counts as tested when "FLT3" or "FLT3-ITD" is
    in ``genes_tested``; a FLT3 variant is an ITD when its detail says "ITD". The FLT3-ITD
    allelic ratio is not an input: ELN 2022 no longer uses it.
    """
    table = _table()
    source: str = table["sources"]["ELN2022"]
    feats, missing_what, shown = _molecular(variants, genes_tested)
    known: dict[str, bool | None] = {**_cytogenetics(karyotype), **feats}

    def group(f: Features) -> str:
        return _group(f)[0]

    criteria = [
        Criterion(f"eln2022.{k}", _TEXT[k], _status(known[k]), shown.get(k), source)
        for k in _FEATURES
    ]
    for v in variants or ():
        if v.gene.upper() == "KMT2A" and "ptd" in _squash(v.detail) and not v.germline:
            criteria.append(
                Criterion(
                    "eln2022.kmt2a_ptd",
                    "KMT2A partial tandem duplication is not a KMT2A rearrangement (footnote)",
                    CriterionStatus.NOT_MET,
                    v.detail,
                    source,
                )
            )
    possible = {group(case) for case in _completions(known)}
    if len(possible) == 1:
        complete = next(_completions(known))
        category, rule = _group(complete)
        criteria.append(
            Criterion("eln2022.precedence", rule, CriterionStatus.MET, category, source)
        )
        return RiskResult(SYSTEM, category, None, tuple(criteria), source)

    blocks: list[tuple[str, tuple[str, ...]]] = []
    if karyotype is None:
        blocks.append(
            (
                "Karyotype (chromosome banding, or FISH/RT-PCR for the ELN-defining "
                "rearrangements and losses)",
                _CYTO,
            )
        )
    blocks += [(missing_what[k], (k,)) for k in feats if known[k] is None]
    missing = []
    for what, keys in blocks:
        between = _decides(known, keys, group)
        if between:
            names = " or ".join(g for g in _ORDER if g in between)
            missing.append(MissingResult(what, f"decides between {names}"))
    alternatives = tuple(("possible group", None, g) for g in _ORDER if g in possible)
    return RiskResult(SYSTEM, None, None, tuple(criteria), source, tuple(missing), alternatives)
