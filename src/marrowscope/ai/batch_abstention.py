"""Images classified together are judged together, as the app judges a slide.

One unfamiliar image is an artefact or a rare cell; many in one run say the images come
from a laboratory, stain or scanner the model does not know, where even the cells it is
sure of are often wrong (Dataset 2 of the held-out laboratory: 8 % of its cells wrong
without a flag when each is judged alone, none when the run is judged as a whole;
docs/model_card.md). ``marrowscope classify`` therefore applies the slide rule of
``domain.ai_review.shift`` (a binomial test at the crop base rate) to the images of one
run and, when it fires, marks every image for review with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from marrowscope.ai.infer import Prediction
from marrowscope.domain.ai_review import SHIFT_CROP_RATE, shift_expected

__all__ = ["BATCH_REASON", "abstain_on_batch"]

BATCH_REASON = "the model abstains on this run: its images look unlike the training images"


def abstain_on_batch(predictions: Sequence[Prediction]) -> tuple[list[Prediction], str | None]:
    """The predictions, all marked for review when the run looks unfamiliar; and why."""
    read = [p for p in predictions if p.code is not None]
    odd = sum(1 for p in read if p.unfamiliar)
    if not shift_expected(odd, len(read), SHIFT_CROP_RATE):
        return list(predictions), None
    message = (
        f"the model abstains: {odd} of {len(read)} images look unlike the images it was "
        "trained on (another stain, scanner or magnification, or marrow cells); every "
        "image is marked for review: classify them yourself"
    )
    marked = [
        replace(p, review=True, reason="; ".join(r for r in (BATCH_REASON, p.reason) if r))
        if p.code is not None
        else p
        for p in predictions
    ]
    return marked, message
