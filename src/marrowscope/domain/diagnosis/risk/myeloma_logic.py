"""Three-valued logic for the myeloma criteria: met, not met, or unknown for want of a result.

Each value carries the keys of the inputs whose absence leaves it unknown, so that an
engine can say exactly which results would settle a criterion. An OR that is already met
(or an AND already not met) does not need its unknown parts: their keys are dropped, and
nothing is asked for that could not change the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.domain.diagnosis.findings import CriterionStatus

__all__ = ["Tri", "all_of", "any_of", "known", "negate", "unknown"]

_MET = CriterionStatus.MET
_NOT = CriterionStatus.NOT_MET
_UNK = CriterionStatus.UNKNOWN


@dataclass(frozen=True)
class Tri:
    """A criterion's status and, when unknown, the input keys that would settle it."""

    status: CriterionStatus
    needs: frozenset[str] = frozenset()


def known(holds: bool) -> Tri:
    return Tri(_MET if holds else _NOT)


def unknown(*needs: str) -> Tri:
    return Tri(_UNK, frozenset(needs))


def any_of(*parts: Tri) -> Tri:
    if any(p.status is _MET for p in parts):
        return Tri(_MET)
    open_parts = [p for p in parts if p.status is _UNK]
    if open_parts:
        return Tri(_UNK, frozenset().union(*(p.needs for p in open_parts)))
    return Tri(_NOT)


def all_of(*parts: Tri) -> Tri:
    if any(p.status is _NOT for p in parts):
        return Tri(_NOT)
    open_parts = [p for p in parts if p.status is _UNK]
    if open_parts:
        return Tri(_UNK, frozenset().union(*(p.needs for p in open_parts)))
    return Tri(_MET)


def negate(part: Tri) -> Tri:
    if part.status is _UNK:
        return part
    return Tri(_NOT if part.status is _MET else _MET)
