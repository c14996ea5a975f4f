"""What the review gallery shows: cells grouped by class, and the differential as it stands.

A cell sits in the group of its current call: the person's decision when there is one,
else the model's proposal. Within a group the cells a person must look at come first
(marked for review and undecided), then the rest by rising confidence, so that the
reviewer's attention goes where the model is least sure.

On a slide where the model abstains (``domain.ai_review.slide_shift``) its calls are no
proposal: the undecided cells form one group to classify, the side table proposes
nothing, and only what people decided is shown by class.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from marrowscope.domain.ai_review import CallState, CellCall, needs_person
from marrowscope.domain.counting.taxonomy import CellClass, all_classes

__all__ = [
    "DifferentialRow",
    "GalleryGroup",
    "current_code",
    "gallery_groups",
    "proposed_differential",
]


@dataclass(frozen=True, slots=True)
class GalleryGroup:
    """The cells currently called one class."""

    code: str
    name: str
    cells: tuple[CellCall, ...]


@dataclass(frozen=True, slots=True)
class DifferentialRow:
    """One class of the slide's differential: decided cells and all cells (AI-proposed)."""

    code: str
    name: str
    decided: int
    proposed: int


def current_code(call: CellCall, abstain: bool = False) -> CellClass | None:
    """The person's decision if made (None when rejected), else the model's call.

    ``abstain``: the model abstains on the slide, so an undecided cell has no call.
    """
    if call.decided or abstain:
        return call.final_code
    return call.model.code


def _order(call: CellCall) -> tuple[int, int, float]:
    return (
        0 if needs_person(call) and not call.decided else 1,
        1 if call.decided else 0,
        call.model.confidence,
    )


def gallery_groups(calls: Sequence[CellCall], abstain: bool = False) -> list[GalleryGroup]:
    """Groups in the taxonomy's order, then a group of rejected cells last.

    Where the model abstains, the undecided cells come first as one group to classify.
    """
    names = {row.code: row.name for row in all_classes()}
    by_code: dict[CellClass | None, list[CellCall]] = {}
    waiting = [c for c in calls if abstain and not c.decided]
    for call in calls:
        if not (abstain and not call.decided):
            by_code.setdefault(current_code(call), []).append(call)
    to_classify = (
        [GalleryGroup("", "To classify (no AI proposal on this slide)", tuple(waiting))]
        if waiting
        else []
    )
    groups = to_classify + [
        GalleryGroup(code.value, names[code], tuple(sorted(by_code[code], key=_order)))
        for code in names
        if code in by_code
    ]
    if None in by_code:
        groups.append(GalleryGroup("", "Rejected (not a cell, unusable)", tuple(by_code[None])))
    return groups


def proposed_differential(
    calls: Sequence[CellCall], abstain: bool = False
) -> list[DifferentialRow]:
    """Per class, cells a person has decided and all cells with their current call.

    Where the model abstains, nothing is proposed: the second figure is the decided one.
    """
    names = {row.code: row.name for row in all_classes()}
    decided = Counter(
        c.final_code for c in calls if c.decided and c.state is not CallState.REJECTED
    )
    current = Counter(current_code(c, abstain) for c in calls)
    return [
        DifferentialRow(code.value, names[code], decided.get(code, 0), current.get(code, 0))
        for code in names
        if current.get(code) or decided.get(code)
    ]
