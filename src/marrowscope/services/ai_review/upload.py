"""Uploading a slide's single-cell images and keeping the model's proposal for each.

Its own module because the upload is where files from outside are refused (too large,
unreadable, already uploaded) and where each proposal is audited with the model's
name and version; the later steps only ever see stored calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from marrowscope.domain.ai_review import CellCall
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import Conflict, InvalidImage, InvalidInput
from marrowscope.domain.roles import Actor
from marrowscope.services.ai_review.calls import clean_label, require_case, require_reviewer
from marrowscope.services.ai_review.ports import CellCallStore, CellClassifierPort, ReviewStores
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = [
    "MAX_IMAGES_PER_UPLOAD",
    "MAX_IMAGE_BYTES",
    "ImportResult",
    "UploadedImage",
    "display_name",
    "open_upload",
    "import_images",
    "proposal_fields",
]

MAX_IMAGES_PER_UPLOAD = 2_000  # four 500-cell differentials; larger sets go in parts
MAX_IMAGE_BYTES = 5 * 1024 * 1024  # a single-cell crop is tens of kB; 5 MB is a whole field


@dataclass(frozen=True, slots=True)
class UploadedImage:
    """One file as uploaded: its name (shown to the morphologist) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The cells stored, and the files refused with the reason for each."""

    calls: tuple[CellCall, ...]
    errors: tuple[tuple[str, str], ...]


def proposal_fields(call: CellCall) -> dict[str, object]:
    m = call.model
    return {
        "slide_label": call.slide_label,
        "image_name": call.image_name,
        "image_sha256": call.image_sha256,
        "model_code": m.code.value,
        "model_confidence": round(m.confidence, 4),
        "model_top3": [[c.value, round(p, 4)] for c, p in m.top3],
        "model_review": m.review,
        "model_reason": m.reason,
        "model_name": m.model_name,
        "model_version": m.model_version,
        "state": call.state,
    }


def open_upload(
    uow: UnitOfWork,
    stores: ReviewStores,
    case_id: int,
    slide_label: str,
    count: int,
    limit: int,
    noun: str,
    verb: str,
) -> tuple[str, CellCallStore, Sequence[CellCall]]:
    """The checks every upload to a slide starts with; the label, the store, the case's cells.

    The case must exist, the label be valid, the batch be 1..``limit`` files, and the
    slide not counted yet (its differential is saved).
    """
    require_case(uow, case_id)
    label = clean_label(slide_label)
    if count == 0:
        raise InvalidInput("no images were given")
    if count > limit:
        raise InvalidInput(f"at most {limit} {noun} per upload")
    store = uow.bind(stores.calls)
    existing = store.for_case(case_id)
    if any(c.slide_label == label and c.counted for c in existing):
        raise Conflict(f"slide {label!r} is already counted; {verb} under a new slide label")
    return label, store, existing


def display_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:200] or "image"


@transactional
def import_images(
    uow: UnitOfWork,
    stores: ReviewStores,
    classifier: CellClassifierPort,
    actor: Actor,
    case_id: int,
    slide_label: str,
    images: Sequence[UploadedImage],
) -> ImportResult:
    """Pre-classify the images of one slide and keep a proposed call for each.

    A file that is not a readable image, too large, or already uploaded for this case
    (same SHA-256) is refused with its reason; the rest of the batch is stored. A slide
    already turned into a slide count takes no more cells: its differential is saved.
    """
    require_reviewer(actor, "upload cells for review")
    label, store, existing = open_upload(
        uow, stores, case_id, slide_label, len(images), MAX_IMAGES_PER_UPLOAD, "images", "upload"
    )
    seen = {c.image_sha256: c.id for c in existing}

    errors: list[tuple[str, str]] = []
    accepted: list[tuple[str, bytes, str]] = []
    for image in images:
        name = display_name(image.name)
        digest = hashlib.sha256(image.data).hexdigest()
        if len(image.data) > MAX_IMAGE_BYTES:
            errors.append((name, f"larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB"))
        elif digest in seen:
            errors.append((name, f"already uploaded for this case (cell {seen[digest]})"))
        else:
            seen[digest] = 0
            accepted.append((name, image.data, digest))

    calls: list[CellCall] = []
    proposals = classifier.classify([data for _, data, _ in accepted]) if accepted else []
    for (name, data, digest), proposal in zip(accepted, proposals, strict=True):
        if isinstance(proposal, str):
            errors.append((name, proposal))
            continue
        try:
            thumbnail = classifier.thumbnail(data)
        except InvalidImage as error:
            errors.append((name, str(error)))
            continue
        call = store.add(
            case_id, label, name, digest, thumbnail, proposal, by=actor.username, at=uow.now()
        )
        record_audit(
            uow,
            actor,
            "ai_cell_call",
            call.id,
            AuditAction.CREATE,
            None,
            proposal_fields(call),
            case_id=case_id,
        )
        calls.append(call)
    uow.commit()
    return ImportResult(tuple(calls), tuple(errors))
