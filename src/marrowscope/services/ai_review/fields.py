"""Analysing field images: find every white cell, classify it, keep it for review.

The step before the review gallery for labs that photograph or scan smears instead of
cropping cells: each field is searched by the detector (``FieldCellFinderPort``), each
white cell is cut out the way the classifier was trained and classified, and every cell
is stored as a proposed call with its origin (field, box, detector name, version and
score) and a view of its neighbourhood. A field is stored whole or not at all; a field
that cannot be read, was analysed before, or shows no white cell is reported by name.

A detector's white cell that the classifier calls a platelet, a nucleated red cell or
an artefact is a contradiction between the two models: it is stored marked for review
with that reason (``domain.ai_review.contradiction``), never dropped and never counted
unseen, and the summary says how many there were.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from marrowscope.domain.ai_review import (
    CellCall,
    FieldCells,
    FieldOrigin,
    FoundCell,
    ModelCall,
    checked_at_field_edge,
    contradiction_reason,
    contradicts_detector,
)
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import InvalidImage
from marrowscope.domain.roles import Actor
from marrowscope.services.ai_review.calls import require_reviewer
from marrowscope.services.ai_review.ports import (
    CellCallStore,
    CellClassifierPort,
    FieldCellFinderPort,
    ReviewStores,
)
from marrowscope.services.ai_review.upload import (
    UploadedImage,
    display_name,
    open_upload,
    proposal_fields,
)
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = [
    "MAX_FIELDS_PER_UPLOAD",
    "MAX_FIELD_BYTES",
    "FieldAnalysis",
    "FieldSummary",
    "analyze_fields",
    "checked_against_detector",
]

MAX_FIELDS_PER_UPLOAD = 500  # a 500-cell differential at about one white cell a field
MAX_FIELD_BYTES = 60 * 1024 * 1024  # a large scan region as TIFF; bigger scans go in parts


@dataclass(frozen=True, slots=True)
class FieldSummary:
    """What one field gave: its white cells stored, and red cells and platelets seen.

    ``contradictions`` of the white cells were called a non-white cell by the classifier
    and wait, marked for review, for a person.
    """

    name: str
    white_cells: int
    red_cells: int
    platelets: int
    contradictions: int = 0


@dataclass(frozen=True, slots=True)
class FieldAnalysis:
    """The cells stored, a line per field analysed, and the fields refused with reasons."""

    calls: tuple[CellCall, ...]
    fields: tuple[FieldSummary, ...]
    errors: tuple[tuple[str, str], ...]


def _find(finder: FieldCellFinderPort, image: UploadedImage, name: str) -> FieldCells | str:
    if len(image.data) > MAX_FIELD_BYTES:
        return f"larger than {MAX_FIELD_BYTES // (1024 * 1024)} MB"
    try:
        return finder.find(image.data, name)
    except InvalidImage as error:
        return str(error).removeprefix(f"{name}: ")


def checked_against_detector(proposal: ModelCall) -> ModelCall:
    """The classifier's call on a detector's white cell, marked when the two disagree."""
    if not contradicts_detector(proposal.code):
        return proposal
    reasons = (
        [contradiction_reason(proposal.code), proposal.reason]
        if proposal.reason
        else [contradiction_reason(proposal.code)]
    )
    return replace(proposal, review=True, reason="; ".join(reasons)[:500])


def _no_cells(found: FieldCells) -> str:
    return f"no white cell found ({found.red_cells} red cells, {found.platelets} platelets)"


def _store_cell(
    uow: UnitOfWork,
    store: CellCallStore,
    finder: FieldCellFinderPort,
    classifier: CellClassifierPort,
    actor: Actor,
    case_id: int,
    label: str,
    name: str,
    found: FieldCells,
    k: int,
    cell: FoundCell,
    proposal: ModelCall,
) -> CellCall:
    """Store one found cell with its origin and audit the proposal."""
    origin = FieldOrigin(
        name, found.sha256, cell.box, finder.detector_name, finder.detector_version,
        min(1.0, max(0.0, cell.score)),
    )  # fmt: skip
    call = store.add(
        case_id, label, f"{name} #{k}"[:200], hashlib.sha256(cell.crop).hexdigest(),
        classifier.thumbnail(cell.crop), proposal, by=actor.username, at=uow.now(),
        origin=origin, context=cell.context,
    )  # fmt: skip
    record_audit(
        uow, actor, "ai_cell_call", call.id, AuditAction.CREATE, None,
        {**proposal_fields(call), "field_name": name, "field_sha256": found.sha256,
         "box": [round(v, 1) for v in cell.box], "detector_name": finder.detector_name,
         "detector_version": finder.detector_version, "detector_score": round(cell.score, 4)},
        case_id=case_id,
    )  # fmt: skip
    return call


@transactional
def analyze_fields(
    uow: UnitOfWork,
    stores: ReviewStores,
    finder: FieldCellFinderPort,
    classifier: CellClassifierPort,
    actor: Actor,
    case_id: int,
    slide_label: str,
    images: Sequence[UploadedImage],
) -> FieldAnalysis:
    """Detect, crop, classify and store the white cells of one slide's field images."""
    require_reviewer(actor, "analyse slide images")
    label, store, existing = open_upload(
        uow, stores, case_id, slide_label, len(images), MAX_FIELDS_PER_UPLOAD,
        "field images", "analyse",
    )  # fmt: skip
    seen_fields = {c.origin.field_sha256 for c in existing if c.origin is not None}
    errors: list[tuple[str, str]] = []
    found_fields: list[tuple[str, FieldCells]] = []
    for image in images:
        name = display_name(image.name)
        if hashlib.sha256(image.data).hexdigest() in seen_fields:
            errors.append((name, "already analysed for this case"))
            continue
        found = _find(finder, image, name)
        if isinstance(found, str):
            errors.append((name, found))
            continue
        seen_fields.add(found.sha256)
        if not found.white_cells:
            errors.append((name, _no_cells(found)))
            continue
        found_fields.append((name, found))
    # one classifier call for every cell of the upload: batches fill, threads start once
    crops = [c.crop for _, f in found_fields for c in f.white_cells]
    proposals = iter(classifier.classify(crops) if crops else [])
    summaries: list[FieldSummary] = []
    calls: list[CellCall] = []
    for name, found in found_fields:
        mine = [next(proposals) for _ in found.white_cells]
        if any(isinstance(p, str) for p in mine):
            errors.append((name, "a cell crop could not be classified"))
            continue
        mine = [
            p
            if isinstance(p, str)
            else checked_at_field_edge(
                checked_against_detector(p), c.box, found.width, found.height, c.framed_by_box
            )
            for c, p in zip(found.white_cells, mine, strict=True)
        ]
        calls.extend(
            _store_cell(
                uow, store, finder, classifier, actor, case_id, label, name, found, k, cell, p
            )
            for k, (cell, p) in enumerate(zip(found.white_cells, mine, strict=True), 1)
            if not isinstance(p, str)
        )
        contradictions = sum(
            1 for p in mine if not isinstance(p, str) and contradicts_detector(p.code)
        )
        summaries.append(
            FieldSummary(
                name, len(found.white_cells), found.red_cells, found.platelets, contradictions
            )
        )
    uow.commit()
    return FieldAnalysis(tuple(calls), tuple(summaries), tuple(errors))
