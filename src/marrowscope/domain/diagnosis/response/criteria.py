"""A response table read as data and applied to one examination's inputs.

The tables (``tables/response_criteria.toml``) list criteria on named inputs and
categories in precedence order. A category is *possible* when none of its criteria is
"not met" and each of its evidence groups has a criterion met; it is *supported* when,
in addition, at least one of its criteria is met, so that a category is never proposed
on unknowns alone. The first supported category is proposed; what was unknown in it and
in the possible categories before it is what could still change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from marrowscope.domain.diagnosis.findings import (
    Candidate,
    Criterion,
    CriterionStatus,
    MissingResult,
)
from marrowscope.domain.tables import load_table

__all__ = ["Disease", "ResponseAssessment", "assess", "response_tables"]

Disease = str  # a table of response_criteria.toml: "aml" or "myeloma"

_MET, _NOT, _UNKNOWN = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.UNKNOWN


@dataclass(frozen=True)
class ResponseAssessment:
    """The category proposed (None when the inputs support none) and every category
    considered before it, each with its trace."""

    disease: Disease
    system: str
    source: str
    proposed: Candidate | None
    considered: tuple[Candidate, ...]


@cache
def response_tables() -> Mapping[str, Any]:
    """The parsed table (read once; callers must not mutate it)."""
    return load_table("response_criteria")


def _status(row: Mapping[str, Any], inputs: Mapping[str, object]) -> tuple[CriterionStatus, str]:
    value = inputs.get(str(row["input"]))
    op = str(row["op"])
    if op == "present":
        return (_UNKNOWN, "not given") if value is None else (_MET, str(value))
    if value is None:
        return _UNKNOWN, "not given"
    if op == "is":
        return (_MET if value is row["value"] else _NOT), "yes" if value else "no"
    number = float(value)  # type: ignore[arg-type]
    if op in ("drop_ge", "rise_ge"):
        base = inputs.get(str(row["baseline"]))
        if base is None or float(base) <= 0:  # type: ignore[arg-type]
            return _UNKNOWN, f"{number:g}; no earlier value to compare with"
        change = 100 * (number - float(base)) / float(base)  # type: ignore[arg-type]
        held = -change >= row["value"] if op == "drop_ge" else change >= row["value"]
        return (_MET if held else _NOT), f"{float(base):g} -> {number:g} ({change:+.0f} %)"  # type: ignore[arg-type]
    limit = float(row["value"])
    held = {
        "lt": number < limit,
        "le": number <= limit,
        "ge": number >= limit,
        "gt": number > limit,
        "eq": number == limit,
    }[op]
    return (_MET if held else _NOT), f"{number:g}"


def assess(disease: Disease, inputs: Mapping[str, object]) -> ResponseAssessment:
    """The category of ``disease``'s table that ``inputs`` are consistent with."""
    table = response_tables()[disease]
    source = str(response_tables()["sources"][table["source"]])
    system = str(table["system"])
    traced = {
        key: Criterion(f"{disease}.{key}", str(row["text"]), *_status(row, inputs), source)
        for key, row in table["criteria"].items()
    }
    considered: list[Candidate] = []
    could_change: dict[str, str] = {}
    for key in table["order"]:
        category = table["categories"][key]
        label = str(category["label"])
        ids = list(dict.fromkeys([*category["all"], *(i for g in category["evidence"] for i in g)]))
        criteria = tuple(traced[i] for i in ids)
        blocked = any(traced[i].status is _NOT for i in category["all"]) or any(
            all(traced[i].status is _NOT for i in group) for group in category["evidence"]
        )
        evident = all(any(traced[i].status is _MET for i in g) for g in category["evidence"])
        supported = any(c.status is _MET for c in criteria)
        unknown = {
            c.text: f"could make the category {label}" for c in criteria if c.status is _UNKNOWN
        }
        if blocked:
            continue
        if evident and supported:
            own = dict.fromkeys(unknown, "needed to settle it")
            # its own gaps first (they settle it), then what could make a category above it
            merged = {**own, **{t: w for t, w in could_change.items() if t not in own}}
            missing = tuple(MissingResult(t, w) for t, w in merged.items())
            proposed = Candidate(
                system, label, f"Consistent with {label} ({system}).", criteria, missing
            )
            return ResponseAssessment(disease, system, source, proposed, (*considered, proposed))
        considered.append(Candidate(system, label, f"Not settled: {label}", criteria))
        for text, why in unknown.items():
            could_change.setdefault(text, why)
    return ResponseAssessment(disease, system, source, None, tuple(considered))
