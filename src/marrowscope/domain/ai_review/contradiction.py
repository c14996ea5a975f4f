"""When the detector and the classifier disagree about what a cell is, a person decides.

The detector keeps only boxes it calls white cells; the classifier then names the
class. A "white cell" the classifier calls a platelet, a nucleated red cell or an
artefact is a contradiction between two models, and on images unlike its training the
classifier makes exactly this mistake with high confidence (22 % of the white cells of
foreign TXL-PBC fields were called platelets at 0.86-0.99). Such a cell is neither
counted silently (it would enter no differential class) nor dropped silently: it is
marked for review with this reason, and Shift+A never accepts it.

Which lineages are not white cells is knowledge, kept in ``tables/ai_review.toml``
with its source.
"""

from __future__ import annotations

from functools import cache

from marrowscope.domain.ai_review.calls import CellCall, ModelCall
from marrowscope.domain.counting.taxonomy import CellClass, Lineage, info
from marrowscope.domain.tables import load_table

__all__ = [
    "blind_spot_codes",
    "blind_spot_words",
    "contradicts_detector",
    "contradiction_reason",
    "needs_person",
]


@cache
def _not_white() -> frozenset[Lineage]:
    row = load_table("ai_review")["detector_contradiction"]
    return frozenset(Lineage(v) for v in row["not_white_cell_lineages"])


def contradicts_detector(code: CellClass) -> bool:
    """The classifier's ``code`` is not a white cell, though the detector found one."""
    return info(code).lineage in _not_white()


def contradiction_reason(code: CellClass) -> str:
    """The review reason shown beside such a cell, in plain words."""
    return (
        f"the detector found a white cell, the classifier calls it {info(code).name.lower()} "
        f"({code.value}): the two models disagree"
    )


def blind_spot_codes() -> tuple[CellClass, ...]:
    """Classes the classifier cannot output: a person looks for them in every cell."""
    return tuple(CellClass(c) for c in load_table("ai_review")["blind_spots"]["codes"])


def blind_spot_words() -> str:
    """The same classes in the words a report reader uses."""
    return str(load_table("ai_review")["blind_spots"]["words"])


def _model_needs_person(model: ModelCall) -> bool:
    return model.review or model.unfamiliar


def needs_person(call: CellCall) -> bool:
    """No bulk acceptance: marked for review, unfamiliar, or contradicting the detector.

    Checked on the stored call itself, so that cells stored before the contradiction
    rule existed (a detector's white cell called "PLT 99 %" without a flag) are caught
    too.
    """
    contradiction = call.origin is not None and contradicts_detector(call.model.code)
    return _model_needs_person(call.model) or contradiction
