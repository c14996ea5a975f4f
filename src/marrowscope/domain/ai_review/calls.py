"""AI-assisted pre-classification: the model proposes a code, a person decides.

Each uploaded single-cell image becomes a :class:`CellCall`. It keeps for ever what the
model said (code, calibrated confidence, top three, review flag and reason, model name
and version) and, separately, what a morphologist decided, by whom and when. The
states::

    proposed ──confirm──> confirmed      (final code = the model's code)
        │   ──change───> corrected       (final code = another code)
        │   ──reject───> rejected        (no code: not a cell, unusable image)
        └── a decided cell may be decided again until it is counted

Only decided cells with a code enter a differential, so no cell, and in particular no
cell the model marked for review, is ever counted unseen. Once the cells of a slide
are turned into a slide count they are *counted* and frozen: changing one then would
silently disagree with the saved differential, which is edited in the counter instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import ImmutableRecord, InvalidInput, NotAllowed

__all__ = [
    "CallState",
    "CellCall",
    "FieldOrigin",
    "ModelCall",
    "SlideProgress",
    "confirmed_counts",
    "decide",
    "decide_counted",
    "progress_of",
    "require_all_decided",
]


class CallState(StrEnum):
    """Where a cell stands between the model's proposal and the person's decision."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ModelCall:
    """What the model said of one image, as kept in the cell's record.

    ``confidence`` is the calibrated probability of ``code``; ``review`` is the model's
    own request that a person look (low confidence, or unlike anything it was trained
    on), and ``reason`` says which in plain words.
    """

    code: CellClass
    confidence: float
    top3: tuple[tuple[CellClass, float], ...]
    review: bool
    reason: str
    model_name: str
    model_version: str
    unfamiliar: bool = False  # far from every training class in the model's feature space

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise InvalidInput(f"confidence {self.confidence} lies outside 0-1")


@dataclass(frozen=True, slots=True)
class FieldOrigin:
    """Where a cell found by the detector came from: which field, where in it, found how.

    Kept so that a reviewer can see the cell among its neighbours, and so that every
    count made from fields can be traced back to the pixels and the detector version.
    """

    field_name: str
    field_sha256: str
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in the field's pixels
    detector_name: str
    detector_version: str
    detector_score: float

    def __post_init__(self) -> None:
        x1, y1, x2, y2 = self.box
        if not (x2 > x1 and y2 > y1):
            raise InvalidInput(f"box {self.box} has no area")
        if not 0.0 <= self.detector_score <= 1.0:
            raise InvalidInput(f"detector score {self.detector_score} lies outside 0-1")


@dataclass(frozen=True, slots=True)
class CellCall:
    """One cell image of a case with the model's call and the person's decision."""

    id: int
    case_id: int
    slide_label: str
    image_name: str
    image_sha256: str
    model: ModelCall
    proposed_by: str
    proposed_at: datetime
    state: CallState = CallState.PROPOSED
    final_code: CellClass | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    slide_count_id: int | None = None
    origin: FieldOrigin | None = None  # set when the cell was found in a field image

    @property
    def decided(self) -> bool:
        """A person has confirmed, changed or rejected the model's call."""
        return self.state is not CallState.PROPOSED

    @property
    def counted(self) -> bool:
        """The cell is part of a saved slide count and can no longer change."""
        return self.slide_count_id is not None

    @property
    def countable(self) -> bool:
        """Decided with a code and not yet counted: it may enter a new slide count."""
        return self.final_code is not None and self.decided and not self.counted


def decide(call: CellCall, code: CellClass | None, *, by: str, at: datetime) -> CellCall:
    """The cell after a person's decision: ``code`` is the cell's class, ``None`` rejects it.

    Choosing the model's own code confirms; any other code corrects. The model's call is
    never touched: the record keeps both, so agreement can be measured later.
    """
    if call.counted:
        raise ImmutableRecord(
            f"cell {call.id} is already part of slide count {call.slide_count_id}; "
            "edit that count with a reason instead"
        )
    if code is None:
        state = CallState.REJECTED
    elif code is call.model.code:
        state = CallState.CONFIRMED
    else:
        state = CallState.CORRECTED
    return replace(call, state=state, final_code=code, decided_by=by, decided_at=at)


def decide_counted(
    call: CellCall, code: CellClass | None, reason: str, *, by: str, at: datetime
) -> CellCall:
    """A counted cell decided again: only with a reason, and only together with its count.

    The caller must correct the slide count in the same transaction (see
    ``services.ai_review.recount``), so that the cell records and the differential
    they were counted into never disagree.
    """
    if not call.counted:
        raise NotAllowed(f"cell {call.id} is not counted yet; decide it the usual way")
    if not reason.strip():
        raise InvalidInput("reason: say why a counted cell changes")
    decided = decide(replace(call, slide_count_id=None), code, by=by, at=at)
    return replace(decided, slide_count_id=call.slide_count_id)


@dataclass(frozen=True, slots=True)
class SlideProgress:
    """How far the cells of one slide are reviewed."""

    slide_label: str
    total: int
    proposed: int
    flagged_undecided: int
    confirmed: int
    corrected: int
    rejected: int
    counted: int

    @property
    def complete(self) -> bool:
        """Every cell has a person's decision."""
        return self.proposed == 0


def progress_of(slide_label: str, calls: Iterable[CellCall]) -> SlideProgress:
    """Tally of the states of one slide's cells."""
    mine = [c for c in calls if c.slide_label == slide_label]
    states = Counter(c.state for c in mine)
    return SlideProgress(
        slide_label=slide_label,
        total=len(mine),
        proposed=states[CallState.PROPOSED],
        flagged_undecided=sum(1 for c in mine if c.model.review and not c.decided),
        confirmed=states[CallState.CONFIRMED],
        corrected=states[CallState.CORRECTED],
        rejected=states[CallState.REJECTED],
        counted=sum(1 for c in mine if c.counted),
    )


def require_all_decided(calls: Iterable[CellCall]) -> None:
    """Refuse to count a slide while any of its cells awaits a person's decision.

    Counting only the decided cells of a half-reviewed slide would bias the
    differential towards the classes that are easy to confirm.
    """
    waiting = [c for c in calls if not c.decided]
    if waiting:
        flagged = sum(1 for c in waiting if c.model.review)
        raise NotAllowed(
            f"{len(waiting)} cell(s) still await a decision ({flagged} marked for review); "
            "confirm, change or reject each before counting"
        )


def confirmed_counts(calls: Iterable[CellCall]) -> dict[CellClass, int]:
    """Counts per class of the decided, not yet counted cells (rejected ones left out)."""
    tally: Counter[CellClass] = Counter()
    for call in calls:
        if call.countable and call.final_code is not None:
            tally[call.final_code] += 1
    return dict(tally)
