"""IPSS-R and the age-adjusted IPSS-RA for myelodysplastic neoplasms (Greenberg 2012).

Every number and every open/closed side of a cut-off lives in ``tables/ipssr.toml`` next
to its source, so that a reviewer checks the table against the paper, not the code. An
input that is not given is never guessed: the result then carries no category, says what
is missing and gives the lowest and highest scores the missing inputs allow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marrowscope.domain.diagnosis.findings import (
    Criterion,
    CriterionStatus,
    IpssrCytoGroup,
    MissingResult,
    RiskResult,
)
from marrowscope.domain.tables import load_table

__all__ = [
    "IpssrInputs",
    "ipssr",
    "ipssr_category",
    "ipssra",
    "ipssra_score",
    "round_half_up",
]

_TABLE = "ipssr"
# (table key, criterion id suffix, wording of the input) for the four measured inputs.
_MEASURED: tuple[tuple[str, str, str], ...] = (
    ("blasts", "blasts", "bone marrow blasts"),
    ("haemoglobin", "hb", "haemoglobin"),
    ("platelets", "plt", "platelets"),
    ("anc", "anc", "absolute neutrophil count"),
)


@dataclass(frozen=True)
class IpssrInputs:
    """What IPSS-R needs; None where a result was not given.

    Units as in the paper: blasts in % of marrow nucleated cells, haemoglobin in g/dL,
    platelets and neutrophils in x10^9/L, age in years (IPSS-RA only).
    """

    cytogenetics: IpssrCytoGroup | None
    bm_blasts_percent: float | None
    hb_g_dl: float | None
    plt_per_nl: float | None
    anc_per_nl: float | None
    age_years: float | None = None


def round_half_up(value: float, digits: int) -> float:
    """Round as the authors' web calculator does (JavaScript ``Math.round``: halves up).

    Python's ``round`` rounds halves to even, which would move a score sitting on a
    category boundary to the other side of it from the published calculator.
    """
    factor = 10.0**digits
    rounded = math.floor(value * factor + 0.5) / factor
    return rounded + 0.0  # -0.0 -> 0.0


def _in_band(value: float, band: Mapping[str, Any]) -> bool:
    """Whether ``value`` satisfies every bound a table band names (gt/ge/lt/le)."""
    return (
        ("gt" not in band or value > band["gt"])
        and ("ge" not in band or value >= band["ge"])
        and ("lt" not in band or value < band["lt"])
        and ("le" not in band or value <= band["le"])
    )


def _band_text(band: Mapping[str, Any], unit: str) -> str:
    """A band as a reader writes it, e.g. '>2 and <5 %' or '<=1.5'."""
    parts = [
        f"{op}{band[key]:g}"
        for key, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))
        if key in band
    ]
    return " and ".join(parts) + (f" {unit}" if unit else "")


def _points_text(points: float) -> str:
    return f"{points:g} point" if points == 1 else f"{points:g} points"


def _source(key: str) -> str:
    sources: Mapping[str, str] = load_table(_TABLE)["sources"]
    return sources[key]


def ipssr_category(score: float) -> str:
    """The IPSS-R risk category of a total (or age-adjusted) score (Greenberg 2012, Table 3)."""
    for band in load_table(_TABLE)["categories"]["bands"]:
        if _in_band(score, band):
            name: str = band["name"]
            return name
    raise ValueError(f"no IPSS-R category holds {score!r}")  # pragma: no cover - table covers R


def _points_range(section: Mapping[str, Any]) -> tuple[float, float]:
    points = [float(band["points"]) for band in section["bands"]]
    return min(points), max(points)


def _score_parts(
    inputs: IpssrInputs,
) -> tuple[list[Criterion], list[MissingResult], float, float]:
    """Criteria, missing inputs, and the lowest and highest possible total score."""
    table = load_table(_TABLE)
    criteria: list[Criterion] = []
    missing: list[MissingResult] = []
    low = high = 0.0

    cyto = table["cytogenetics"]
    cyto_source = _source(cyto["source"])
    cyto_points: Mapping[str, float] = cyto["points"]
    if inputs.cytogenetics is None:
        criteria.append(
            Criterion(
                "ipssr.cyto",
                "IPSS-R cytogenetic group: not given",
                CriterionStatus.UNKNOWN,
                None,
                cyto_source,
            )
        )
        missing.append(
            MissingResult("IPSS-R cytogenetic risk group (karyotype)", "adds 0 to 4 points")
        )
        low += min(cyto_points.values())
        high += max(cyto_points.values())
    else:
        points = float(cyto_points[inputs.cytogenetics.value])
        criteria.append(
            Criterion(
                "ipssr.cyto",
                f"IPSS-R cytogenetic group {inputs.cytogenetics.value}: {_points_text(points)}",
                CriterionStatus.MET,
                inputs.cytogenetics.value,
                cyto_source,
            )
        )
        low += points
        high += points

    values = (inputs.bm_blasts_percent, inputs.hb_g_dl, inputs.plt_per_nl, inputs.anc_per_nl)
    for (key, suffix, wording), value in zip(_MEASURED, values, strict=True):
        section = table[key]
        source = _source(section["source"])
        if value is None:
            lo, hi = _points_range(section)
            criteria.append(
                Criterion(
                    f"ipssr.{suffix}",
                    f"{wording}: not given",
                    CriterionStatus.UNKNOWN,
                    None,
                    source,
                )
            )
            missing.append(MissingResult(wording, f"adds {lo:g} to {hi:g} points"))
            low += lo
            high += hi
            continue
        band = next(band for band in section["bands"] if _in_band(value, band))
        points = float(band["points"])
        criteria.append(
            Criterion(
                f"ipssr.{suffix}",
                f"{wording} {_band_text(band, section['unit'])}: {_points_text(points)}",
                CriterionStatus.MET,
                f"{value:g}",
                source,
            )
        )
        low += points
        high += points
    return criteria, missing, low, high


def ipssr(inputs: IpssrInputs) -> RiskResult:
    """IPSS-R score and category; no score or category while any input is missing.

    With missing inputs, ``alternatives`` holds ("lowest", ...) and ("highest", ...): the
    bounds of the score the missing inputs allow, with their categories.
    """
    criteria, missing, low, high = _score_parts(inputs)
    source = _source("GREENBERG2012")
    if missing:
        bounds = (("lowest", low, ipssr_category(low)), ("highest", high, ipssr_category(high)))
        return RiskResult("IPSS-R", None, None, tuple(criteria), source, tuple(missing), bounds)
    category = ipssr_category(low)
    criteria.append(
        Criterion(
            "ipssr.total",
            f"IPSS-R total {low:g} points: {category}",
            CriterionStatus.MET,
            f"{low:g}",
            _source("GREENBERG2012_T3"),
        )
    )
    return RiskResult("IPSS-R", category, low, tuple(criteria), source)


def ipssra_score(ipssr_score: float, age_years: float) -> float:
    """IPSS-RA = IPSS-R + (age - 70) x [0.05 - (IPSS-R x 0.005)], rounded as the calculator."""
    adjust = load_table(_TABLE)["age_adjustment"]
    shift = (age_years - adjust["reference_age"]) * (adjust["base"] - ipssr_score * adjust["slope"])
    return round_half_up(ipssr_score + shift, int(adjust["round_digits"]))


def ipssra(inputs: IpssrInputs) -> RiskResult:
    """Age-adjusted IPSS-R (IPSS-RA), categorised by the IPSS-R cut-offs.

    The paper gives the age adjustment for survival estimates only; it is not defined
    without an age, so a missing age is reported as missing like any other input.
    """
    base = ipssr(inputs)
    adjust_source = _source(load_table(_TABLE)["age_adjustment"]["source"])
    criteria = list(base.criteria)
    missing = list(base.missing)
    if inputs.age_years is None:
        criteria.append(
            Criterion("ipssra.age", "age: not given", CriterionStatus.UNKNOWN, None, adjust_source)
        )
        missing.append(MissingResult("age at diagnosis", "IPSS-RA is not defined without it"))
    if missing or base.score is None or inputs.age_years is None:
        return RiskResult("IPSS-RA", None, None, tuple(criteria), adjust_source, tuple(missing))
    score = ipssra_score(base.score, inputs.age_years)
    category = ipssr_category(score)
    criteria.append(
        Criterion(
            "ipssra.total",
            f"age {inputs.age_years:g} years: IPSS-RA {score:g}, {category}",
            CriterionStatus.MET,
            f"{score:g}",
            adjust_source,
        )
    )
    return RiskResult("IPSS-RA", category, score, tuple(criteria), adjust_source)
