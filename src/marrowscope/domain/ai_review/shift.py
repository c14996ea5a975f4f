"""When a slide's cells look unlike the model's training images: a warning for the whole slide.

One unfamiliar cell is an artefact or a rare type; many are a sign that the slide is
not what the model knows: another stain or scanner, another magnification, or marrow
precursors shown to a model trained on healthy peripheral blood. The model's per-cell
flag (distance in its feature space beyond what 99 % of its own validation cells show)
is pooled per slide. Measured with the shipped classifier (docs/model_card.md):
0.7 % of held-out PBC cells are unfamiliar, 14 of the 14 marrow samples are. A slide
is marked when at least ``SHIFT_SHARE`` of its cells are, and at least
``SHIFT_MIN_CELLS`` of them, so that one odd cell on a small upload does not cry wolf.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from marrowscope.domain.ai_review.calls import CellCall

__all__ = ["SHIFT_MIN_CELLS", "SHIFT_SHARE", "SlideShift", "slide_shift"]

SHIFT_SHARE = 0.2  # thirty times the rate on the model's own held-out cells
SHIFT_MIN_CELLS = 3


@dataclass(frozen=True, slots=True)
class SlideShift:
    """A slide whose cells look unlike the training data, and the words to show."""

    slide_label: str
    unfamiliar: int
    total: int

    @property
    def message(self) -> str:
        return (
            f"Slide {self.slide_label}: {self.unfamiliar} of {self.total} cells look unlike the "
            "images the model was trained on (another stain, scanner or magnification, or "
            "marrow cells shown to a model trained on peripheral blood). Treat every proposal "
            "on this slide as unverified and decide each cell yourself."
        )


def slide_shift(slide_label: str, calls: Iterable[CellCall]) -> SlideShift | None:
    """The warning for one slide's cells, or None when they look like the training data."""
    mine = [c for c in calls if c.slide_label == slide_label]
    unfamiliar = sum(1 for c in mine if c.model.unfamiliar)
    if unfamiliar >= SHIFT_MIN_CELLS and unfamiliar >= SHIFT_SHARE * len(mine):
        return SlideShift(slide_label, unfamiliar, len(mine))
    return None
