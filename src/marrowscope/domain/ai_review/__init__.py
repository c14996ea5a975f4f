"""AI pre-classification as the domain sees it: the model's calls and a person's
decisions, a field's detected cells, the slide-level shift warning, the sentence a report
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
from marrowscope.domain.ai_review.fields import FieldCells, FoundCell
from marrowscope.domain.ai_review.provenance import provenance_text
from marrowscope.domain.ai_review.shift import SHIFT_MIN_CELLS, SHIFT_SHARE, SlideShift, slide_shift

__all__ = [
    "Agreement",
    "CallState",
    "CellCall",
    "ClassAgreement",
    "FieldCells",
    "FieldOrigin",
    "FoundCell",
    "ModelCall",
    "SHIFT_MIN_CELLS",
    "SHIFT_SHARE",
    "SlideProgress",
    "SlideShift",
    "agreement_of",
    "confirmed_counts",
    "decide",
    "decide_counted",
    "progress_of",
    "provenance_text",
    "require_all_decided",
    "slide_shift",
]
