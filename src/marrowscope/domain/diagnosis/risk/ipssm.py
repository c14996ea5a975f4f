"""IPSS-M for myelodysplastic neoplasms (Bernard 2022, NEJM Evidence 1(7)).

Turns a patient's results (blood count, marrow blasts, karyotype, TP53 locus, gene panel)
into the model's variables exactly as the authors' reference implementation does, then
scores them under the mean, best and worst scenarios (``ipssm_model``). A gene not tested
is never taken as wild type: it is filled with the reference mean, and the best and worst
scores show how far the untested genes could move the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from marrowscope.domain.diagnosis.findings import (
    Criterion,
    CriterionStatus,
    IpssrCytoGroup,
    MissingResult,
    RiskResult,
)
from marrowscope.domain.diagnosis.risk.ipssm_model import (
    RESIDUAL,
    ResidualCount,
    Scenario,
    ScenarioScore,
    residual_count,
    scenario_score,
    variables,
)
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.tables import load_table

__all__ = [
    "GENE_INPUTS",
    "IpssmInputs",
    "IpssmScores",
    "Tp53Mutations",
    "ipssm",
    "ipssm_scores",
    "model_values",
]

_TABLE = "ipssm"
_DERIVED = ("HB1", "TRANSF_PLT100", "BLAST5", "CYTOVEC", "TP53multi", "SF3B1_5q", "SF3B1_alpha")
_MAIN_GENES = tuple(v.name for v in variables() if v.name not in _DERIVED and v.name != RESIDUAL)
_RESIDUAL_GENES: tuple[str, ...] = tuple(load_table(_TABLE)["residual"]["genes"])
_ALPHA_EXCLUDING: tuple[str, ...] = tuple(load_table(_TABLE)["sf3b1"]["alpha_excluding_genes"])
# Every gene-level input (0/1/NA) the model reads: main-effect genes, SF3B1, residual genes.
GENE_INPUTS: tuple[str, ...] = (*_MAIN_GENES, "SF3B1", *_RESIDUAL_GENES)
# Which raw inputs each derived variable reads, to name what is missing.
_READS: dict[str, tuple[str, ...]] = {
    "HB1": ("HB",),
    "TRANSF_PLT100": ("PLT",),
    "BLAST5": ("BM_BLAST",),
    "CYTOVEC": ("CYTO_IPSSR",),
    "TP53multi": ("TP53mut", "TP53loh", "TP53maxvaf", "del17_17p"),
    "SF3B1_5q": ("SF3B1", "del5q", "del7_7q", "complex"),
    "SF3B1_alpha": ("SF3B1", "del5q", "del7_7q", "complex", *_ALPHA_EXCLUDING),
}


class Tp53Mutations(Enum):
    """Number of TP53 mutations, as the calculator's ``TP53mut`` field spells it."""

    NONE = "0"
    ONE = "1"
    TWO_OR_MORE = "2 or more"


@dataclass(frozen=True)
class IpssmInputs:
    """A patient's results for IPSS-M; None wherever a result is not known.

    ``genes`` maps gene names (and ``MLL_PTD``, ``FLT3``) to mutated (True), wild type
    (False); a gene absent from it counts as not tested. ``tp53_max_vaf`` is a fraction
    (0-1), as in the authors' input template.
    """

    hb_g_dl: float | None
    plt_per_nl: float | None
    bm_blasts_percent: float | None
    cytogenetics: IpssrCytoGroup | None
    del5q: bool | None = None
    del7_7q: bool | None = None
    complex_karyotype: bool | None = None
    del17_17p: bool | None = None
    tp53_mutations: Tp53Mutations | None = None
    tp53_max_vaf: float | None = None
    tp53_loh: bool | None = None
    genes: Mapping[str, bool | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("hb_g_dl", "plt_per_nl", "bm_blasts_percent", "tp53_max_vaf"):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise InvalidInput(f"{name} must be a number >= 0, not {value!r}")
        if self.bm_blasts_percent is not None and self.bm_blasts_percent > 100:
            raise InvalidInput(
                f"bm_blasts_percent must be at most 100, not {self.bm_blasts_percent!r}"
            )
        if self.tp53_max_vaf is not None and self.tp53_max_vaf > 1:
            raise InvalidInput(f"tp53_max_vaf is a fraction (0-1), not {self.tp53_max_vaf!r}")
        unknown = sorted(set(self.genes) - set(GENE_INPUTS))
        if unknown:
            raise InvalidInput(f"genes not in the IPSS-M model: {', '.join(unknown)}")


@dataclass(frozen=True)
class IpssmScores:
    """The three scenarios, the model values they started from, and the residual count."""

    mean: ScenarioScore
    best: ScenarioScore
    worst: ScenarioScore
    values: tuple[tuple[str, float | None], ...]
    residual: ResidualCount


def _flag(value: bool | None) -> float | None:
    return None if value is None else float(value)


def _tp53multi(inputs: IpssmInputs) -> float | None:
    """Multi-hit TP53: >= 2 mutations, or 1 mutation with loss of heterozygosity.

    LOH is taken as present when the maximum VAF is above 0.55 or del(17p)/-17 is seen,
    whatever the LOH field says (R/IPSSMprocess.R, maxvafloh = 0.55).
    """
    threshold = float(load_table(_TABLE)["tp53"]["loh_vaf_above"])
    loh = inputs.tp53_loh
    vaf = inputs.tp53_max_vaf
    if (vaf is not None and vaf > threshold) or inputs.del17_17p is True:
        loh = True
    mutations = inputs.tp53_mutations
    if mutations is Tp53Mutations.NONE or (mutations is Tp53Mutations.ONE and loh is False):
        return 0.0
    if mutations is Tp53Mutations.TWO_OR_MORE or (mutations is Tp53Mutations.ONE and loh is True):
        return 1.0
    return None


def _sf3b1(inputs: IpssmInputs) -> tuple[float | None, float | None]:
    """SF3B1_5q and SF3B1_alpha, each unknown when the inputs cannot settle it.

    SF3B1_5q: SF3B1 with isolated del(5q). SF3B1_alpha: SF3B1 without isolated del(5q)
    and without SRSF2, STAG2, BCOR, BCORL1, RUNX1 or NRAS co-mutation.
    """
    sf3b1 = inputs.genes.get("SF3B1")
    isolated_5q_ruled_out = (
        inputs.del5q is False or inputs.del7_7q is True or inputs.complex_karyotype is True
    )
    isolated_5q = (
        inputs.del5q is True and inputs.del7_7q is False and inputs.complex_karyotype is False
    )
    five_q: float | None = None
    if sf3b1 is False or isolated_5q_ruled_out:
        five_q = 0.0
    if sf3b1 is True and isolated_5q:
        five_q = 1.0
    partners = [inputs.genes.get(gene) for gene in _ALPHA_EXCLUDING]
    alpha: float | None = None
    if sf3b1 is False or five_q == 1.0 or any(p is True for p in partners):
        alpha = 0.0
    if sf3b1 is True and five_q == 0.0 and all(p is False for p in partners):
        alpha = 1.0
    return five_q, alpha


def model_values(inputs: IpssmInputs) -> dict[str, float | None]:
    """The model's main variables (not the residual count); None where unknown."""
    clinical = load_table(_TABLE)["clinical"]
    hb = inputs.hb_g_dl
    plt = inputs.plt_per_nl
    blasts = inputs.bm_blasts_percent
    cyto = inputs.cytogenetics
    five_q, alpha = _sf3b1(inputs)
    values: dict[str, float | None] = {
        "HB1": hb,  # not clipped: as the published scores (tables/ipssm.toml)
        "TRANSF_PLT100": None
        if plt is None
        else min(plt, clinical["plt_cap"]) / clinical["plt_divisor"],
        "BLAST5": None
        if blasts is None
        else min(blasts, clinical["blast_cap"]) / clinical["blast_divisor"],
        "CYTOVEC": None if cyto is None else float(clinical["cytovec"][cyto.value]),
        "TP53multi": _tp53multi(inputs),
        "SF3B1_5q": five_q,
        "SF3B1_alpha": alpha,
    }
    for gene in _MAIN_GENES:
        values[gene] = _flag(inputs.genes.get(gene))
    return values


def ipssm_scores(inputs: IpssmInputs) -> IpssmScores:
    """Scores and categories under the mean, best and worst scenarios."""
    values = model_values(inputs)
    residual = residual_count({gene: inputs.genes.get(gene) for gene in _RESIDUAL_GENES})
    return IpssmScores(
        mean=scenario_score(values, residual, Scenario.MEAN),
        best=scenario_score(values, residual, Scenario.BEST),
        worst=scenario_score(values, residual, Scenario.WORST),
        values=tuple((v.name, values.get(v.name)) for v in variables() if v.name != RESIDUAL),
        residual=residual,
    )


def _missing_inputs(inputs: IpssmInputs, values: Mapping[str, float | None]) -> list[str]:
    """Raw inputs not given that leave a model variable unknown, in model order."""
    given: dict[str, object] = {
        "HB": inputs.hb_g_dl,
        "PLT": inputs.plt_per_nl,
        "BM_BLAST": inputs.bm_blasts_percent,
        "CYTO_IPSSR": inputs.cytogenetics,
        "TP53mut": inputs.tp53_mutations,
        "TP53loh": inputs.tp53_loh,
        "TP53maxvaf": inputs.tp53_max_vaf,
        "del17_17p": inputs.del17_17p,
        "del5q": inputs.del5q,
        "del7_7q": inputs.del7_7q,
        "complex": inputs.complex_karyotype,
    }
    names: list[str] = []
    for name, value in values.items():
        if value is None:
            for raw in _READS.get(name, (name,)):
                known = given[raw] if raw in given else inputs.genes.get(raw)
                if known is None and raw not in names:
                    names.append(raw)
    names.extend(g for g in _RESIDUAL_GENES if inputs.genes.get(g) is None and g not in names)
    return names


def ipssm(inputs: IpssmInputs) -> RiskResult:
    """IPSS-M as a ``RiskResult``: every variable's value and contribution as a criterion.

    Reported as the authors' package reports it (R/IPSSMannotate.R): the mean-scenario
    score when worst - best is at most 1; the mean-scenario category when that holds or
    the best and worst categories agree; otherwise neither, and ``alternatives`` (best,
    mean, worst) with ``missing`` say what testing would settle.
    """
    scores = ipssm_scores(inputs)
    sources = load_table(_TABLE)["sources"]
    source = f"{sources['BERNARD2022']}; reference implementation {sources['IPSSM_R']}"
    contributions = dict(scores.mean.contributions)
    criteria: list[Criterion] = []
    for name, value in (*scores.values, (RESIDUAL, None)):
        if name == RESIDUAL:
            res = scores.residual
            shown = f"{res.mean:.3g}" if res.best == res.worst else f"{res.best:g}-{res.worst:g}"
            known = res.best == res.worst
        else:
            shown = "not known" if value is None else f"{value:g}"
            known = value is not None
        criteria.append(
            Criterion(
                f"ipssm.{name}",
                f"{name} = {shown}: contribution {contributions[name]:+.3f} (mean scenario)",
                CriterionStatus.MET if known else CriterionStatus.UNKNOWN,
                None if not known else shown,
                sources["IPSSM_R"],
            )
        )
    best, mean, worst = scores.best, scores.mean, scores.worst
    spread = round(worst.score - best.score, 2)
    range_max = float(load_table(_TABLE)["model"]["range_max"])
    change = f"IPSS-M from {best.score:g} ({best.category}) to {worst.score:g} ({worst.category})"
    unsettled = _missing_inputs(inputs, dict(scores.values)) if spread > 0 else []
    missing = tuple(MissingResult(f"{name} result", change) for name in unsettled)
    score = mean.score if spread <= range_max else None
    category = mean.category if spread <= range_max or best.category == worst.category else None
    alternatives = tuple((s.scenario.value, s.score, s.category) for s in (best, mean, worst))
    return RiskResult("IPSS-M", category, score, tuple(criteria), source, missing, alternatives)
