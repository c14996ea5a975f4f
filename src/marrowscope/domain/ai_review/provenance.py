"""The sentence a report carries for each slide counted through AI pre-classification.

A reader of the report must know that a count was proposed by software and decided by
people, which software (name and weights digest), who decided, and how often they
changed the model's call: the provenance a CellaVision or Scopio report gives, in words.
It also says what the model cannot see (blasts, plasma cells, erythroid precursors rest
on the reviewers alone) and, where the model abstained on a slide, that no AI
differential was proposed and why.
"""

from __future__ import annotations

from collections.abc import Iterable

from marrowscope.domain.ai_review.calls import CallState, CellCall
from marrowscope.domain.ai_review.contradiction import blind_spot_words
from marrowscope.domain.ai_review.shift import slide_shift

__all__ = ["provenance_text"]


def _slide_line(label: str, cells: list[CellCall]) -> str:
    fields = {c.origin.field_sha256 for c in cells if c.origin is not None}
    detectors = sorted(
        {f"{c.origin.detector_name} ({c.origin.detector_version})" for c in cells if c.origin}
    )
    models = sorted({f"{c.model.model_name} ({c.model.model_version})" for c in cells})
    people = sorted({c.decided_by for c in cells if c.decided_by})
    confirmed = sum(1 for c in cells if c.state is CallState.CONFIRMED)
    changed = sum(1 for c in cells if c.state is CallState.CORRECTED)
    rejected = sum(1 for c in cells if c.state is CallState.REJECTED)
    found = (
        f"found in {len(fields)} field image(s) by {', '.join(detectors)} and " if fields else ""
    )
    line = (
        f"Slide {label}: {len(cells)} cells {found}pre-classified by {', '.join(models)} "
        f"(AI-proposed), each reviewed by {', '.join(people)}: {confirmed} confirmed, "
        f"{changed} changed, {rejected} rejected."
    )
    shift = slide_shift(label, cells)
    if shift is not None:
        return (
            f"{line} Caution: the model abstained on slide {label}: {shift.reason}; no AI "
            "differential was proposed and every cell was classified by a person."
        )
    return line


def _blind_spots() -> str:
    return (
        f"The model has no class for {blind_spot_words()}; such cells rest on the reviewers alone."
    )


def provenance_text(calls: Iterable[CellCall]) -> str:
    """One sentence per counted AI slide, or empty text when no count came from AI review."""
    every = list(calls)
    counted = {c.slide_label for c in every if c.counted}
    by_slide: dict[str, list[CellCall]] = {}
    for call in every:  # rejected cells are never counted but belong to the slide's story
        if call.slide_label in counted:
            by_slide.setdefault(call.slide_label, []).append(call)
    if not by_slide:
        return ""
    lines = [_slide_line(label, cells) for label, cells in sorted(by_slide.items())]
    return " ".join([*lines, _blind_spots()])
