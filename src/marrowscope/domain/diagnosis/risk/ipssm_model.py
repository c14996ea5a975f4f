"""The IPSS-M Cox model itself: weights, reference means, scenarios, rounding, categories.

Kept apart from ``ipssm`` (which turns a patient's results into model variables) so that
the arithmetic can be checked against the authors' reference implementation on its own.
All numbers come from ``tables/ipssm.toml``; see its header for what was checked and how.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache

from marrowscope.domain.diagnosis.risk.ipssr import round_half_up
from marrowscope.domain.tables import load_table

__all__ = [
    "RESIDUAL",
    "IpssmVariable",
    "ResidualCount",
    "Scenario",
    "ScenarioScore",
    "ipssm_category",
    "residual_count",
    "scenario_score",
    "variables",
]

_TABLE = "ipssm"
RESIDUAL = "nRes2"


class Scenario(Enum):
    """How a missing input is filled: by the reference mean, or by its best/worst value."""

    MEAN = "mean"
    BEST = "best"
    WORST = "worst"


@dataclass(frozen=True)
class IpssmVariable:
    """One model variable: its weight (log hazard), reference mean, best and worst values."""

    name: str
    beta: float
    mean: float
    best: float
    worst: float

    def fill(self, scenario: Scenario) -> float:
        """The value used for this variable, when unknown, under ``scenario``."""
        if scenario is Scenario.BEST:
            return self.best
        if scenario is Scenario.WORST:
            return self.worst
        return self.mean


@dataclass(frozen=True)
class ResidualCount:
    """min(number of mutated residual genes, 2) under each scenario (R/Nres.R)."""

    mean: float
    best: float
    worst: float

    def under(self, scenario: Scenario) -> float:
        return {Scenario.MEAN: self.mean, Scenario.BEST: self.best, Scenario.WORST: self.worst}[
            scenario
        ]


@dataclass(frozen=True)
class ScenarioScore:
    """A rounded IPSS-M score, its category, and each variable's unrounded contribution."""

    scenario: Scenario
    score: float
    category: str
    contributions: tuple[tuple[str, float], ...]


@cache
def variables() -> tuple[IpssmVariable, ...]:
    """The model's variables in table order, the residual-gene term last."""
    table = load_table(_TABLE)
    main = tuple(
        IpssmVariable(
            row["name"],
            float(row["beta"]),
            float(row["mean"]),
            float(row["best"]),
            float(row["worst"]),
        )
        for row in table["variables"]
    )
    residual = table["residual"]
    cap = float(residual["cap"])
    return (
        *main,
        IpssmVariable(RESIDUAL, float(residual["beta"]), float(residual["mean"]), 0.0, cap),
    )


def residual_count(statuses: Mapping[str, bool | None]) -> ResidualCount:
    """min(Nres, 2) with untested residual genes, as the authors generalise it.

    Best: no untested gene mutated; worst: all of them mutated; mean: the observed count
    plus a share of the reference mean proportional to the untested fraction of genes,
    so that no genes tested gives the reference mean and all tested the observed count.
    """
    residual = load_table(_TABLE)["residual"]
    cap = float(residual["cap"])
    genes: list[str] = residual["genes"]
    untested = sum(1 for gene in genes if statuses.get(gene) is None)
    mutated = sum(1 for gene in genes if statuses.get(gene) is True)
    tested = len(genes) - untested
    share = untested / (tested + untested)
    mean = min(mutated, cap) + max(((cap - mutated) / cap) * share * float(residual["mean"]), 0.0)
    return ResidualCount(mean=mean, best=min(mutated, cap), worst=min(mutated + untested, cap))


def ipssm_category(score: float) -> str:
    """Category of a rounded score; every interval is open on the left, closed on the right."""
    model = load_table(_TABLE)["model"]
    names: list[str] = model["categories"]
    for cut, name in zip(model["cutpoints"], names, strict=False):
        if score <= cut:
            return name
    return names[-1]


def scenario_score(
    values: Mapping[str, float | None], residual: ResidualCount, scenario: Scenario
) -> ScenarioScore:
    """The IPSS-M score under one scenario: sum of (x - mean) x beta / ln 2, rounded.

    ``values`` holds each main variable's value, None where unknown (filled according to
    ``scenario``). Rounding to 2 decimals before categorising follows the calculator.
    """
    contributions: list[tuple[str, float]] = []
    for variable in variables():
        if variable.name == RESIDUAL:
            value = residual.under(scenario)
        else:
            given = values[variable.name]
            value = variable.fill(scenario) if given is None else given
        contributions.append((variable.name, (value - variable.mean) * variable.beta / math.log(2)))
    digits = int(load_table(_TABLE)["model"]["round_digits"])
    score = round_half_up(math.fsum(c for _, c in contributions), digits)
    return ScenarioScore(scenario, score, ipssm_category(score), tuple(contributions))
