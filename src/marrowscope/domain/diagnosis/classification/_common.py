"""Three-valued checks, the criteria table and the trace both engines share.

Every check answers MET, NOT_MET or UNKNOWN (an input it needs is None); the engines
combine them with Kleene logic so that an unknown never silently counts as "absent".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marrowscope.domain.diagnosis.classification.findings_input import DiagnosticFindings, Sex
from marrowscope.domain.diagnosis.findings import (
    Candidate,
    Criterion,
    CriterionStatus,
    MissingResult,
    Rearrangement,
)
from marrowscope.domain.tables import load_table

MET = CriterionStatus.MET
NOT_MET = CriterionStatus.NOT_MET
UNKNOWN = CriterionStatus.UNKNOWN

TABLE = "classification_criteria"
NO_CATEGORY = "No myeloid category met"


def all_of(*statuses: CriterionStatus) -> CriterionStatus:
    """Kleene AND: one NOT_MET decides; otherwise one UNKNOWN keeps it open."""
    if NOT_MET in statuses:
        return NOT_MET
    return UNKNOWN if UNKNOWN in statuses else MET


def any_of(*statuses: CriterionStatus) -> CriterionStatus:
    """Kleene OR: one MET decides; otherwise one UNKNOWN keeps it open."""
    if MET in statuses:
        return MET
    return UNKNOWN if UNKNOWN in statuses else NOT_MET


def negate(status: CriterionStatus) -> CriterionStatus:
    return {MET: NOT_MET, NOT_MET: MET, UNKNOWN: UNKNOWN}[status]


def of_bool(value: bool | None) -> CriterionStatus:
    if value is None:
        return UNKNOWN
    return MET if value else NOT_MET


def ge(value: float | None, threshold: float) -> CriterionStatus:
    return UNKNOWN if value is None else of_bool(value >= threshold)


def lt(value: float | None, threshold: float) -> CriterionStatus:
    return UNKNOWN if value is None else of_bool(value < threshold)


def show(value: float | None, unit: str = "") -> str:
    """A number as a person writes it (12, not 12.0), or "not given"."""
    if value is None:
        return "not given"
    text = f"{value:g}"
    return f"{text} {unit}".rstrip() if unit else text


@dataclass(frozen=True)
class RearrangementRule:
    """One AML-defining fusion of a system and the blast percentage it needs."""

    rearrangement: Rearrangement
    name: str
    blasts_ge: float
    source: str


class Rules:
    """One system's slice of classification_criteria.toml, read-only."""

    def __init__(self, key: str) -> None:
        self._table: dict[str, Any] = load_table(TABLE)[key]
        self._shared: dict[str, Any] = load_table(TABLE)

    def v(self, name: str) -> float:
        return float(self._table["values"][name]["value"])

    def src(self, name: str) -> str:
        return str(self._table["values"][name]["source"])

    def genes(self, name: str) -> tuple[str, ...]:
        return tuple(self._table["genes"][name]["genes"])

    def genes_src(self, name: str) -> str:
        return str(self._table["genes"][name]["source"])

    def mr_cytogenetics(self) -> tuple[tuple[str, ...], str]:
        row = self._table["cytogenetics"]["mr"]
        return tuple(row["fields"]), str(row["source"])

    def rearrangements(self) -> tuple[RearrangementRule, ...]:
        return tuple(
            RearrangementRule(
                Rearrangement[row["rearrangement"]],
                str(row["name"]),
                float(row["blasts_ge"]),
                str(row["source"]),
            )
            for row in self._table["rearrangements"]
        )

    def germline_band(self) -> tuple[float, float, str]:
        band = self._shared["germline_prompt"]
        return float(band["vaf_low"]["value"]), float(band["vaf_high"]["value"]), "HOUSE"


class Trace:
    """Collects the criteria and missing results of one system's walk through its hierarchy.

    Mutable on purpose: it lives only inside one ``classify`` call and is frozen into a
    ``Candidate`` at the end.
    """

    def __init__(self, system: str) -> None:
        self.system = system
        self.criteria: list[Criterion] = []
        self.missing: list[MissingResult] = []

    def check(
        self, cid: str, text: str, status: CriterionStatus, value: str | None, source: str
    ) -> CriterionStatus:
        if not any(c.id == cid for c in self.criteria):
            self.criteria.append(Criterion(cid, text, status, value, source))
        return status

    def miss(self, what: str, could_change: str) -> None:
        if not any(m.what == what for m in self.missing):
            self.missing.append(MissingResult(what, could_change))

    def candidate(self, name: str, qualifiers: tuple[str, ...] = ()) -> Candidate:
        if name == NO_CATEGORY:
            wording = (
                f"No {self.system} myeloid category (AML, MDS, CMML, MDS/MPN with SF3B1 "
                "and thrombocytosis) is met on the findings given; see the trace."
            )
        else:
            wording = f"Consistent with {name} ({self.system}); decision support, not a diagnosis."
        if self.missing:
            wording += " Not settled: the missing results listed could change the category."
        return Candidate(
            self.system, name, wording, tuple(self.criteria), tuple(self.missing), qualifiers
        )


# --- Shared evaluations -------------------------------------------------------------


def blasts_text(f: DiagnosticFindings) -> str:
    return f"BM {show(f.blasts_percent_marrow, '%')}, PB {show(f.blasts_percent_blood, '%')}"


def blasts_reach(f: DiagnosticFindings, marrow_ge: float, blood_ge: float) -> CriterionStatus:
    """Marrow or blood blasts at or above the limits.

    Blood blasts not given are taken as not raising the category (the marrow count
    decides); the engines then list the blood count as missing where it could matter.
    """
    bm, pb = f.blasts_percent_marrow, f.blasts_percent_blood
    if (bm is not None and bm >= marrow_ge) or (pb is not None and pb >= blood_ge):
        return MET
    return UNKNOWN if bm is None else NOT_MET


def anaemia(f: DiagnosticFindings, r: Rules) -> CriterionStatus:
    """Hb under the sex-specific limit; between the two limits it needs the sex."""
    hb = f.haemoglobin_g_per_dl
    low, high = r.v("haemoglobin_female_lt"), r.v("haemoglobin_male_lt")
    if hb is None:
        return UNKNOWN
    if hb < low:
        return MET
    if hb >= high:
        return NOT_MET
    if f.sex is None:
        return UNKNOWN
    return of_bool(f.sex is Sex.MALE)


def cytopenia(f: DiagnosticFindings, r: Rules, t: Trace) -> CriterionStatus:
    status = any_of(
        anaemia(f, r),
        lt(f.anc_10e9_per_l, r.v("anc_lt")),
        lt(f.platelets_10e9_per_l, r.v("platelets_lt")),
    )
    value = (
        f"Hb {show(f.haemoglobin_g_per_dl, 'g/dL')}, ANC {show(f.anc_10e9_per_l)}, "
        f"platelets {show(f.platelets_10e9_per_l)} x10^9/L"
    )
    if status is UNKNOWN:
        t.miss("Full blood count (Hb with sex, ANC, platelets)", "MDS and CMML need cytopenia")
    sources = f"{r.src('haemoglobin_male_lt')}; {r.src('anc_lt')}; {r.src('platelets_lt')}"
    return t.check("cytopenia", "Cytopenia in at least one lineage", status, value, sources)


def dysplasia(f: DiagnosticFindings, r: Rules, t: Trace) -> CriterionStatus:
    count = f.lineage_count()
    flags = (f.dysplasia_erythroid, f.dysplasia_granulocytic, f.dysplasia_megakaryocytic)
    if count is not None:
        status = of_bool(count >= 1)
    else:
        status = MET if any(flags) else UNKNOWN
    value = "not given" if count is None and status is UNKNOWN else f"{count or '>=1'} lineage(s)"
    return t.check(
        "dysplasia",
        "Dysplasia in >=10 % of cells of at least one lineage",
        status,
        value,
        r.src("dysplasia_lineage_percent_ge"),
    )


def mutated(f: DiagnosticFindings, gene: str, min_vaf: float | None = None) -> CriterionStatus:
    """Whether ``gene`` carries a reported variant (at ``min_vaf`` % or more, if given)."""
    found = f.variants_of(gene)
    if not found:
        return NOT_MET if f.gene_read(gene) else UNKNOWN
    if min_vaf is None:
        return MET
    vafs = [v.vaf_percent for v in found]
    if any(vaf is not None and vaf >= min_vaf for vaf in vafs):
        return MET
    return UNKNOWN if None in vafs else NOT_MET


def variant_text(f: DiagnosticFindings, gene: str) -> str:
    found = f.variants_of(gene)
    if found:
        parts = [f"{v.detail or 'mutated'} (VAF {show(v.vaf_percent, '%')})" for v in found]
        return f"{gene}: " + "; ".join(parts)
    return f"{gene}: " + ("not mutated" if f.gene_read(gene) else "not tested")


def any_gene(f: DiagnosticFindings, genes: tuple[str, ...]) -> tuple[CriterionStatus, str]:
    statuses = [mutated(f, g) for g in genes]
    hits = [g for g, s in zip(genes, statuses, strict=True) if s is MET]
    unknown = [g for g, s in zip(genes, statuses, strict=True) if s is UNKNOWN]
    value = f"mutated: {', '.join(hits) or 'none'}"
    if unknown:
        value += f"; not tested: {', '.join(unknown)}"
    return any_of(*statuses), value


def fusion(f: DiagnosticFindings, rearrangement: Rearrangement) -> CriterionStatus:
    """Present if karyotype or a targeted test saw it; absent if either looked for it."""
    if rearrangement in f.all_rearrangements():
        return MET
    if f.karyotype is not None or rearrangement in (f.fusions_tested or frozenset()):
        return NOT_MET
    return UNKNOWN


def tp53_copy_evidence(f: DiagnosticFindings) -> CriterionStatus:
    """Loss or cnLOH of the other TP53 allele: karyotype del(17p)/-17, FISH/array, SNP array."""
    k = f.karyotype
    if (k is not None and (k.del17p or k.minus17)) or f.tp53_copy_loss or f.tp53_cnloh:
        return MET
    if f.tp53_copy_loss is None and f.tp53_cnloh is None:
        return UNKNOWN
    return NOT_MET
