"""AI-assisted pre-classification of a slide's cells, decided one by one by a person.

A morphologist uploads single-cell images for a case and a slide; the model proposes
a code for each (through ``CellClassifierPort``, so this package never imports
onnxruntime); the morphologist confirms, changes or rejects every call; the decided
cells then become an ordinary saved slide count (``services.counting``), so they
join the case's differential beside the slides counted by hand.

Every step is audited: each proposal (the model's call, confidence, top three, review
flag, model name and version, who uploaded it), each decision (old and new state and
code, who, when) and the conversion into a slide count.

The steps live in their own modules (``ports``, ``calls``, ``upload``, ``decisions``,
``counting``); this package re-exports them so that callers keep one import,
``from marrowscope.services import ai_review as review``.
"""

from marrowscope.services.ai_review.agreement import (
    CaseAgreement,
    agreement_csv,
    case_agreement,
)
from marrowscope.services.ai_review.calls import (
    REVIEW_ROLES,
    calls_for_case,
    context_of,
    get_call,
    slide_labels,
    slides_progress,
    thumbnail_of,
    undecided_cells,
)
from marrowscope.services.ai_review.counting import count_slide
from marrowscope.services.ai_review.decisions import (
    BulkAcceptance,
    confirm_unflagged,
    decide_action,
    decide_cell,
)
from marrowscope.services.ai_review.export import ReviewedCell, reviewed_cells
from marrowscope.services.ai_review.fields import (
    MAX_FIELD_BYTES,
    MAX_FIELDS_PER_UPLOAD,
    FieldAnalysis,
    FieldSummary,
    analyze_fields,
    checked_against_detector,
)
from marrowscope.services.ai_review.ports import (
    CellCallStore,
    CellClassifierPort,
    FieldCellFinderPort,
    ReviewStores,
)
from marrowscope.services.ai_review.recount import change_counted_cell
from marrowscope.services.ai_review.upload import (
    MAX_IMAGE_BYTES,
    MAX_IMAGES_PER_UPLOAD,
    ImportResult,
    UploadedImage,
    import_images,
)

__all__ = [
    "MAX_FIELDS_PER_UPLOAD",
    "MAX_FIELD_BYTES",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGES_PER_UPLOAD",
    "REVIEW_ROLES",
    "BulkAcceptance",
    "CaseAgreement",
    "CellCallStore",
    "CellClassifierPort",
    "FieldAnalysis",
    "FieldCellFinderPort",
    "FieldSummary",
    "ImportResult",
    "ReviewStores",
    "ReviewedCell",
    "UploadedImage",
    "agreement_csv",
    "analyze_fields",
    "checked_against_detector",
    "calls_for_case",
    "case_agreement",
    "change_counted_cell",
    "confirm_unflagged",
    "context_of",
    "count_slide",
    "decide_action",
    "decide_cell",
    "get_call",
    "import_images",
    "reviewed_cells",
    "slide_labels",
    "slides_progress",
    "thumbnail_of",
    "undecided_cells",
]
