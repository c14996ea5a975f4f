"""AI pre-classification as the domain sees it: the model's calls and a person's
decisions, a field's detected cells, contradictions between detector and classifier,
cells cut by the field's edge,
the slide-level abstention and the confirmations it refuses, the sentence a report
carries, and how often people agree with the model.
"""

from marrowscope.domain.ai_review.agreement import Agreement, ClassAgreement, agreement_of
from marrowscope.domain.ai_review.calls import (
    CallState,
    CellCall,
    FieldOrigin,
    ModelCall,
    SlideProgress,
    confirmed_counts,
    decide,
    decide_counted,
    progress_of,
    require_all_decided,
)
from marrowscope.domain.ai_review.confirming import confirm_refusal
from marrowscope.domain.ai_review.contradiction import (
    blind_spot_codes,
    blind_spot_words,
    contradiction_reason,
    contradicts_detector,
    needs_person,
)
from marrowscope.domain.ai_review.field_edge import (
    EDGE_REASON,
    NO_RULER_REASON,
    checked_at_field_edge,
    cut_by_field_edge,
)
from marrowscope.domain.ai_review.fields import FieldCells, FoundCell
from marrowscope.domain.ai_review.provenance import provenance_text
from marrowscope.domain.ai_review.shift import (
    SHIFT_ALPHA,
    SHIFT_CELL_RATE,
    SHIFT_CROP_RATE,
    SHIFT_MIN_CELLS,
    SlideShift,
    shift_expected,
    slide_shift,
)

__all__ = [
    "EDGE_REASON",
    "Agreement",
    "CallState",
    "CellCall",
    "ClassAgreement",
    "FieldCells",
    "FieldOrigin",
    "FoundCell",
    "ModelCall",
    "NO_RULER_REASON",
    "SHIFT_ALPHA",
    "SHIFT_CELL_RATE",
    "SHIFT_CROP_RATE",
    "SHIFT_MIN_CELLS",
    "SlideProgress",
    "SlideShift",
    "agreement_of",
    "blind_spot_codes",
    "blind_spot_words",
    "checked_at_field_edge",
    "confirm_refusal",
    "confirmed_counts",
    "contradicts_detector",
    "contradiction_reason",
    "cut_by_field_edge",
    "decide",
    "decide_counted",
    "needs_person",
    "progress_of",
    "provenance_text",
    "require_all_decided",
    "shift_expected",
    "slide_shift",
]
