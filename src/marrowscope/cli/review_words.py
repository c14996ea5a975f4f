"""Why ``classify`` marked cells for review, in words under its table.

The table's "review yes" says only that a person must look; a morphologist deciding
whether to trust a run needs to know why, and another laboratory's colours come first
because there the confidence column itself is not to be believed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from marrowscope.ai.infer import Prediction

__all__ = ["review_lines"]

_WHY = (
    ("colours unlike", "with colours unlike the training laboratory's (another stain or "
     "scanner): the confidence shown cannot be trusted"),
    ("unlike any cell", "unlike any cell the model was trained on"),
    ("confidence", "with a confidence below the review threshold"),
)  # fmt: skip


def review_lines(predictions: Sequence[Prediction]) -> list[str]:
    """Why cells are marked for review, counted: the table's "yes" says only that they are."""
    lines = []
    for key, words in _WHY:
        n = sum(1 for p in predictions if p.review and key in p.reason)
        if n:
            lines.append(f"review: {n} image(s) {words}")
    return lines
