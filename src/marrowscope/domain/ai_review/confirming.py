"""When the model's call may be confirmed with one key, and when a person must choose.

"Confirm" (Enter, the table's button, the API's ``confirm`` action) copies the model's
class into the record. That is a person's check of a proposal, and it is only honest
where there is a proposal worth checking. On a slide where the model abstains
(``shift.slide_shift``) its calls are no proposal: the gallery hides them, and the
server refuses to confirm them too, so that no page, script or API client can slip a
model's guess into a differential the person never chose. The same holds, cell by cell,
for a cell unlike the training images (its confidence means nothing, the foreign slides
showed 0.86-0.99 on wrong calls) and for a cell whose class contradicts the detector.

A cell marked for review only for a low confidence stays confirmable one at a time: the
model is unsure *between its own classes*, the person has looked at that cell, and
"accept page" leaves it anyway (``contradiction.needs_person``).

Choosing a class explicitly is always a person's classification, even when it is the
class the model proposed.
"""

from __future__ import annotations

from marrowscope.domain.ai_review.calls import CellCall
from marrowscope.domain.ai_review.contradiction import contradicts_detector

__all__ = ["confirm_refusal"]


def confirm_refusal(call: CellCall, slide_abstained: bool) -> str | None:
    """Why the model's call of ``call`` may not be confirmed as it stands, or None.

    ``slide_abstained``: the model abstains on the cell's slide (``slide_shift``).
    """
    if slide_abstained:
        return f"cell {call.id}: the model abstained on this slide: choose the class"
    if call.model.unfamiliar:
        return (
            f"cell {call.id}: the cell looks unlike the images the model was trained on, "
            "so its call is no proposal: choose the class"
        )
    if call.origin is not None and contradicts_detector(call.model.code):
        return (
            f"cell {call.id}: the detector and the classifier disagree about this cell: "
            "choose the class"
        )
    return None
