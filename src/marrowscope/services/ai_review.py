"""AI-assisted pre-classification of a slide's cells, decided one by one by a person.

A morphologist uploads single-cell images for a case and a slide; the model proposes
a code for each (through ``CellClassifierPort``, so this module never imports
onnxruntime); the morphologist confirms, changes or rejects every call; the decided
cells then become an ordinary saved slide count (``services.slide_counts``), so they
join the case's differential beside the slides counted by hand.

Every step is audited: each proposal (the model's call, confidence, top three, review
flag, model name and version, who uploaded it), each decision (old and new state and
code, who, when) and the conversion into a slide count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from marrowscope.domain.ai_review import (
    CallState,
    CellCall,
    ModelCall,
    SlideProgress,
    confirmed_counts,
    decide,
    progress_of,
    require_all_decided,
)
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import (
    Conflict,
    EmptyCount,
    InvalidImage,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from marrowscope.domain.roles import Actor
from marrowscope.domain.slide_counts import CountStatus, SlideCount, differential_total
from marrowscope.domain.taxonomy import CellClass, cell_class
from marrowscope.services import slide_counts as counting
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, transactional
from marrowscope.services.users import AccountStores

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_IMAGES_PER_UPLOAD",
    "REVIEW_ROLES",
    "CellCallStore",
    "CellClassifierPort",
    "ImportResult",
    "ReviewStores",
    "UploadedImage",
    "calls_for_case",
    "confirm_unflagged",
    "count_slide",
    "decide_cell",
    "get_call",
    "import_images",
    "slide_labels",
    "slides_progress",
    "thumbnail_of",
]

# Deciding what a cell is, is morphology: the roles that count differentials by hand.
REVIEW_ROLES = counting.COUNTING_ROLES
MAX_IMAGES_PER_UPLOAD = 2_000  # four 500-cell differentials; larger sets go in parts
MAX_IMAGE_BYTES = 5 * 1024 * 1024  # a single-cell crop is tens of kB; 5 MB is a whole field


class CellClassifierPort(Protocol):
    """The model: proposes a call per image (``ai.cell_review.ModelCellReviewer``)."""

    @property
    def model_name(self) -> str: ...

    @property
    def model_version(self) -> str: ...

    @property
    def cannot_recognise(self) -> tuple[str, ...]:
        """Classes the model never outputs (shown so that a person codes them)."""
        ...

    def classify(self, images: Sequence[bytes]) -> list[ModelCall | str]:
        """One call per image, in order; the error text where an image is unreadable."""
        ...

    def thumbnail(self, image: bytes) -> bytes:
        """A small JPEG of the image, kept with the record (raises ``InvalidImage``)."""
        ...


class CellCallStore(Protocol):
    """Persistence of cell calls (implemented in ``db.ai_review_tables``)."""

    def add(
        self,
        case_id: int,
        slide_label: str,
        image_name: str,
        image_sha256: str,
        thumbnail: bytes,
        model: ModelCall,
        *,
        by: str,
        at: datetime,
    ) -> CellCall: ...

    def get(self, call_id: int) -> CellCall | None: ...

    def get_for_update(self, call_id: int) -> CellCall | None: ...

    def for_case(self, case_id: int, slide_label: str | None = None) -> Sequence[CellCall]: ...

    def thumbnail(self, call_id: int) -> bytes | None: ...

    def save_decision(self, call: CellCall) -> None: ...

    def mark_counted(self, call_ids: Sequence[int], slide_count_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class ReviewStores:
    """Store factories (``uow.bind``): the cell calls, and the accounts area's slide counts."""

    calls: Callable[[Any], CellCallStore]
    accounts: AccountStores


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


def _require(actor: Actor, what: str) -> None:
    if actor.role not in REVIEW_ROLES:
        raise PermissionDenied(f"a {actor.role.value} cannot {what}")


def _clean_label(slide_label: str) -> str:
    label = slide_label.strip()
    if not label or len(label) > 40:
        raise InvalidInput("slide label: 1-40 characters")
    return label


def _case_exists(uow: UnitOfWork, case_id: int) -> None:
    if uow.cases.get(case_id) is None:
        raise NotFound(f"no case {case_id}")


def _proposal_fields(call: CellCall) -> dict[str, object]:
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


def _decision_fields(call: CellCall) -> dict[str, object]:
    return {
        "state": call.state,
        "final_code": None if call.final_code is None else call.final_code.value,
        "decided_by": call.decided_by,
        "decided_at": call.decided_at,
    }


def _display_name(name: str) -> str:
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
    _require(actor, "upload cells for review")
    _case_exists(uow, case_id)
    label = _clean_label(slide_label)
    if not images:
        raise InvalidInput("no images were given")
    if len(images) > MAX_IMAGES_PER_UPLOAD:
        raise InvalidInput(f"at most {MAX_IMAGES_PER_UPLOAD} images per upload")
    store = uow.bind(stores.calls)
    existing = store.for_case(case_id)
    if any(c.slide_label == label and c.counted for c in existing):
        raise Conflict(f"slide {label!r} is already counted; upload under a new slide label")
    seen = {c.image_sha256: c.id for c in existing}

    errors: list[tuple[str, str]] = []
    accepted: list[tuple[str, bytes, str]] = []
    for image in images:
        name = _display_name(image.name)
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
            _proposal_fields(call),
            case_id=case_id,
        )
        calls.append(call)
    uow.commit()
    return ImportResult(tuple(calls), tuple(errors))


def calls_for_case(
    uow: UnitOfWork,
    stores: ReviewStores,
    actor: Actor,
    case_id: int,
    slide_label: str | None = None,
) -> list[CellCall]:
    """The case's cell calls (of one slide if given), in upload order."""
    _require(actor, "review cells")
    _case_exists(uow, case_id)
    return list(uow.bind(stores.calls).for_case(case_id, slide_label))


def slide_labels(calls: Sequence[CellCall]) -> list[str]:
    """The slides of the calls, in the order they were first uploaded."""
    return list(dict.fromkeys(c.slide_label for c in calls))


def slides_progress(calls: Sequence[CellCall]) -> list[SlideProgress]:
    """Review progress of each slide."""
    return [progress_of(label, calls) for label in slide_labels(calls)]


def get_call(uow: UnitOfWork, stores: ReviewStores, actor: Actor, call_id: int) -> CellCall:
    """One cell call."""
    _require(actor, "review cells")
    found = uow.bind(stores.calls).get(call_id)
    if found is None:
        raise NotFound(f"no cell call {call_id}")
    return found


def thumbnail_of(uow: UnitOfWork, stores: ReviewStores, actor: Actor, call_id: int) -> bytes:
    """The JPEG thumbnail kept with a cell call."""
    _require(actor, "review cells")
    found = uow.bind(stores.calls).thumbnail(call_id)
    if found is None:
        raise NotFound(f"no cell call {call_id}")
    return found


def _decide(
    uow: UnitOfWork, store: CellCallStore, actor: Actor, call: CellCall, code: CellClass | None
) -> CellCall:
    decided = decide(call, code, by=actor.username, at=uow.now())
    store.save_decision(decided)
    record_audit(
        uow,
        actor,
        "ai_cell_call",
        call.id,
        AuditAction.TRANSITION,
        _decision_fields(call),
        {**_decision_fields(decided), "model_code": call.model.code.value},
        case_id=call.case_id,
    )
    return decided


@transactional
def decide_cell(
    uow: UnitOfWork,
    stores: ReviewStores,
    actor: Actor,
    call_id: int,
    code: str | None,
) -> CellCall:
    """Confirm (the model's code), change (another code) or reject (``None``) one cell.

    Any code of the taxonomy may be chosen, including those the model cannot output
    (a blast, a plasma cell): finding those is exactly the person's job.
    """
    _require(actor, "decide cell calls")
    chosen = None if code is None or code.strip() == "" else cell_class(code.strip())
    store = uow.bind(stores.calls)
    call = store.get_for_update(call_id)
    if call is None:
        raise NotFound(f"no cell call {call_id}")
    decided = _decide(uow, store, actor, call, chosen)
    uow.commit()
    return decided


@transactional
def confirm_unflagged(
    uow: UnitOfWork, stores: ReviewStores, actor: Actor, case_id: int, slide_label: str
) -> int:
    """Confirm every undecided call of a slide that the model did *not* mark for review.

    For the page where the morphologist has looked over the thumbnails: flagged
    cells are left undecided, so each of them still needs its own decision.
    Returns how many cells were confirmed.
    """
    _require(actor, "decide cell calls")
    _case_exists(uow, case_id)
    store = uow.bind(stores.calls)
    confirmed = 0
    for call in store.for_case(case_id, _clean_label(slide_label)):
        if call.state is CallState.PROPOSED and not call.model.review:
            _decide(uow, store, actor, call, call.model.code)
            confirmed += 1
    uow.commit()
    return confirmed


def _reusable(existing: SlideCount, actor: Actor) -> bool:
    """An empty count left open by an earlier attempt of the same person (see below)."""
    return (
        existing.status is CountStatus.COUNTING
        and not existing.counts
        and existing.counted_by == actor.username
    )


@transactional
def count_slide(
    uow: UnitOfWork, stores: ReviewStores, actor: Actor, case_id: int, slide_label: str
) -> SlideCount:
    """Turn a fully decided slide into a saved slide count of the case's differential.

    Every cell must have a person's decision first; rejected cells are left out. The
    slide count carries the slide's label, its target is the number of differential
    cells confirmed, and from then on it is edited like any count (with a reason).

    ``open_slide`` and ``finish_count`` commit on their own: opening an empty count
    is harmless, and marking the cells counted is committed by ``finish_count``
    together with the counts, so cells and count never disagree. An empty count left
    by a failed attempt is reused on the next.
    """
    _require(actor, "count a differential")
    _case_exists(uow, case_id)
    label = _clean_label(slide_label)
    store = uow.bind(stores.calls)
    calls = list(store.for_case(case_id, label))
    if not calls:
        raise NotFound(f"no cells uploaded for slide {label!r}")
    counted = {c.slide_count_id for c in calls if c.slide_count_id is not None}
    if counted:
        raise Conflict(f"slide {label!r} is already counted (slide count {min(counted)})")
    require_all_decided(calls)
    counts = confirmed_counts(calls)
    cells = differential_total(counts)
    if cells == 0:
        raise EmptyCount(f"slide {label!r} has no confirmed cell that enters the differential")

    slides = counting.counts_for_case(uow, stores.accounts, actor, case_id)
    same = next((s for s in slides if s.slide_label == label), None)
    if same is not None and not _reusable(same, actor):
        raise Conflict(f"a slide count labelled {label!r} already exists for this case")
    opened = same or counting.open_slide(uow, stores.accounts, actor, case_id, label, target=cells)
    if opened.target != cells:
        raise Conflict(f"slide count {opened.id} was opened for {opened.target} cells, not {cells}")
    ids = [c.id for c in calls if c.countable]
    store.mark_counted(ids, opened.id)
    record_audit(
        uow,
        actor,
        "ai_slide",
        f"{case_id}:{label}",
        AuditAction.TRANSITION,
        {"slide_count_id": None},
        {
            "slide_count_id": opened.id,
            "cells": len(ids),
            "rejected": sum(1 for c in calls if c.state is CallState.REJECTED),
            "counts": {c.value: n for c, n in sorted(counts.items())},
        },
        case_id=case_id,
    )
    return counting.finish_count(
        uow,
        stores.accounts,
        actor,
        opened.id,
        opened.version + 1,
        {c.value: n for c, n in counts.items()},
    )
