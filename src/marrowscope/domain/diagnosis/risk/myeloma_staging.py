"""Staging of newly diagnosed multiple myeloma: ISS (2005), R-ISS (2015), R2-ISS (2022).

All three are computed from the same few inputs, any of which may be missing. Rather than
special-casing each gap, every unknown input is let range over its possible values (for
beta-2 microglobulin and albumin: the ISS bands) and the stage is stated only when every
combination gives the same one. Otherwise the stage is None and ``missing`` names each
input that would decide, with the stages it decides between; R2-ISS also gives the lowest
and highest possible score in ``alternatives``. So R-ISS II is stated from ISS II alone
(no LDH or FISH can change it), but ISS I without LDH is left open.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from itertools import product
from typing import Any

from marrowscope.domain.diagnosis.findings import (
    Criterion,
    CriterionStatus,
    MissingResult,
    RiskResult,
)
from marrowscope.domain.errors import InvalidMeasurement
from marrowscope.domain.tables import load_table

__all__ = ["MyelomaStagingFindings", "iss_stage", "r2iss_stage", "riss_stage"]

Value = str | bool
Case = Mapping[str, Value]


@dataclass(frozen=True)
class MyelomaStagingFindings:
    """Inputs of ISS, R-ISS and R2-ISS at diagnosis; None where the result was not given.

    ``ldh_above_uln``: serum LDH above the laboratory's upper limit of normal. The FISH
    fields are interphase FISH on (ideally CD138-selected) plasma cells; ``gain_1q`` is
    1q gain (3 copies) or amplification (>= 4 copies), "1q+" of R2-ISS.
    """

    beta2_microglobulin_mg_per_l: float | None = None
    albumin_g_per_l: float | None = None
    ldh_above_uln: bool | None = None
    del17p: bool | None = None
    t_4_14: bool | None = None
    t_14_16: bool | None = None
    gain_1q: bool | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float | int) and not isinstance(value, bool) and value < 0:
                raise InvalidMeasurement(f"{f.name} cannot be negative (got {value})")


_LABELS = {
    "b2m": "Serum beta-2 microglobulin (mg/L)",
    "albumin": "Serum albumin (g/L)",
    "ldh": "Serum LDH relative to the upper limit of normal",
    "del17p": "del(17p) by interphase FISH",
    "t_4_14": "t(4;14) by interphase FISH",
    "t_14_16": "t(14;16) by interphase FISH",
    "gain_1q": "1q gain/amplification by interphase FISH",
}
_B2M = ("< 3.5", "3.5 to < 5.5", ">= 5.5")
_ALB = (">= 35", "< 35")


def _table() -> dict[str, Any]:
    return load_table("myeloma")


def _options(f: MyelomaStagingFindings, keys: tuple[str, ...]) -> dict[str, tuple[Value, ...]]:
    iss = _table()["iss"]
    b2m, alb = f.beta2_microglobulin_mg_per_l, f.albumin_g_per_l
    opts: dict[str, tuple[Value, ...]] = {}
    if b2m is None:
        opts["b2m"] = _B2M
    elif b2m >= iss["stage3_beta2m_ge_mg_per_l"]:
        opts["b2m"] = (_B2M[2],)
    else:
        opts["b2m"] = (_B2M[0] if b2m < iss["stage1_beta2m_lt_mg_per_l"] else _B2M[1],)
    opts["albumin"] = (
        _ALB
        if alb is None
        else ((_ALB[0] if alb >= iss["stage1_albumin_ge_g_per_l"] else _ALB[1]),)
    )
    flags = {
        "ldh": f.ldh_above_uln,
        "del17p": f.del17p,
        "t_4_14": f.t_4_14,
        "t_14_16": f.t_14_16,
        "gain_1q": f.gain_1q,
    }
    for key in keys:
        if key in flags:
            flag = flags[key]
            opts[key] = (False, True) if flag is None else (flag,)
    return opts


def _iss(c: Case) -> str:
    if c["b2m"] == _B2M[2]:
        return "ISS III"
    if c["b2m"] == _B2M[0] and c["albumin"] == _ALB[0]:
        return "ISS I"
    return "ISS II"


def _riss(c: Case) -> str:
    iss = _iss(c)
    high_ca = bool(c["del17p"] or c["t_4_14"] or c["t_14_16"])
    if iss == "ISS I" and not high_ca and not c["ldh"]:
        return "R-ISS I"
    if iss == "ISS III" and (high_ca or c["ldh"]):
        return "R-ISS III"
    return "R-ISS II"


def _r2iss_score(c: Case) -> float:
    pts = _table()["r2iss"]["points"]
    iss = _iss(c)
    score = {"ISS I": 0.0, "ISS II": pts["iss_ii"], "ISS III": pts["iss_iii"]}[iss]
    for key in ("del17p", "ldh", "t_4_14", "gain_1q"):
        if c[key]:
            score += pts["ldh_high" if key == "ldh" else key]
    return float(round(score, 6))


def _r2iss_group(score: float) -> str:
    for g in _table()["r2iss"]["groups"]:
        if g["ge"] <= score <= g["le"]:
            return str(g["name"])
    raise ValueError(f"R2-ISS score {score} outside every group")  # pragma: no cover


def _cases(opts: Mapping[str, tuple[Value, ...]]) -> list[dict[str, Value]]:
    keys = list(opts)
    return [dict(zip(keys, vals, strict=True)) for vals in product(*(opts[k] for k in keys))]


def _stage(
    system: str,
    f: MyelomaStagingFindings,
    keys: tuple[str, ...],
    outcome: Callable[[Case], str],
    source: str,
    score: Callable[[Case], float] | None = None,
) -> RiskResult:
    opts = _options(f, keys)
    cases = _cases(opts)
    possible = sorted({outcome(c) for c in cases})
    criteria = _criteria(f, keys, source)
    if len(possible) == 1:
        scores = {score(c) for c in cases} if score else set()
        value = scores.pop() if len(scores) == 1 else None
        return RiskResult(system, possible[0], value, criteria, source)
    missing = []
    for key in keys:
        if len(opts[key]) == 1:
            continue
        by_rest: dict[tuple[Value, ...], set[str]] = {}
        for c in cases:
            rest = tuple(c[k] for k in opts if k != key)
            by_rest.setdefault(rest, set()).add(outcome(c))
        between = sorted(set().union(*(s for s in by_rest.values() if len(s) > 1)))
        if between:
            missing.append(MissingResult(_LABELS[key], "decides between " + " or ".join(between)))
    alternatives: tuple[tuple[str, float | None, str | None], ...]
    if score is None:
        alternatives = tuple(("possible stage", None, s) for s in possible)
    else:
        low = min(score(c) for c in cases)
        high = max(score(c) for c in cases)
        alternatives = (
            ("lowest possible score", low, _r2iss_group(low)),
            ("highest possible score", high, _r2iss_group(high)),
        )
    return RiskResult(system, None, None, criteria, source, tuple(missing), alternatives)


def _criteria(
    f: MyelomaStagingFindings, keys: tuple[str, ...], source: str
) -> tuple[Criterion, ...]:
    iss = _table()["iss"]
    b2m, alb = f.beta2_microglobulin_mg_per_l, f.albumin_g_per_l

    def status(v: bool | None) -> CriterionStatus:
        if v is None:
            return CriterionStatus.UNKNOWN
        return CriterionStatus.MET if v else CriterionStatus.NOT_MET

    out = [
        Criterion(
            "myeloma.b2m_lt_3_5",
            "Beta-2 microglobulin < 3.5 mg/L",
            status(None if b2m is None else b2m < iss["stage1_beta2m_lt_mg_per_l"]),
            None if b2m is None else f"{b2m:g} mg/L",
            source,
        ),
        Criterion(
            "myeloma.b2m_ge_5_5",
            "Beta-2 microglobulin >= 5.5 mg/L",
            status(None if b2m is None else b2m >= iss["stage3_beta2m_ge_mg_per_l"]),
            None if b2m is None else f"{b2m:g} mg/L",
            source,
        ),
        Criterion(
            "myeloma.albumin_ge_35",
            "Albumin >= 35 g/L (3.5 g/dL)",
            status(None if alb is None else alb >= iss["stage1_albumin_ge_g_per_l"]),
            None if alb is None else f"{alb:g} g/L",
            source,
        ),
    ]
    flags = {
        "ldh": ("LDH above the upper limit of normal", f.ldh_above_uln),
        "del17p": ("del(17p)", f.del17p),
        "t_4_14": ("t(4;14)", f.t_4_14),
        "t_14_16": ("t(14;16)", f.t_14_16),
        "gain_1q": ("1q gain or amplification (1q+)", f.gain_1q),
    }
    for key in keys:
        if key in flags:
            text, value = flags[key]
            out.append(Criterion(f"myeloma.{key}", text, status(value), None, source))
    return tuple(out)


def iss_stage(f: MyelomaStagingFindings) -> RiskResult:
    """ISS stage (Greipp 2005) from beta-2 microglobulin and albumin."""
    t = _table()
    return _stage("ISS", f, ("b2m", "albumin"), _iss, t["sources"]["ISS2005"])


def riss_stage(f: MyelomaStagingFindings) -> RiskResult:
    """R-ISS stage (Palumbo 2015): ISS, LDH and del(17p), t(4;14), t(14;16) by iFISH."""
    t = _table()
    keys = ("b2m", "albumin", "ldh", "del17p", "t_4_14", "t_14_16")
    src = f"{t['sources']['RISS2015']}; ISS: {t['sources']['ISS2005']}"
    return _stage("R-ISS", f, keys, _riss, src)


def r2iss_stage(f: MyelomaStagingFindings) -> RiskResult:
    """R2-ISS group and score (D'Agostino 2022); t(14;16) is not part of it."""
    t = _table()
    keys = ("b2m", "albumin", "ldh", "del17p", "t_4_14", "gain_1q")
    src = f"{t['sources']['R2ISS2022']}; ISS: {t['sources']['ISS2005']}"
    return _stage("R2-ISS", f, keys, lambda c: _r2iss_group(_r2iss_score(c)), src, _r2iss_score)
