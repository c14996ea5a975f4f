"""JSON API of AI pre-classification: upload cells or fields, list the model's
calls, decide each, confirm the unflagged ones, count a decided slide.

The twins of ``web/ai_review/review.py`` and ``web/ai_review/fields.py``, for morphologists and
pathologists (``services.ai_review.REVIEW_ROLES``) like the pages. The services audit
each proposal, decision and conversion into a slide count. Uploads are multipart
(``slide_label`` and the files), everything else JSON; the session cookie and
``X-CSRF-Token`` are required on every write.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, UploadFile
from pydantic import BaseModel, Field

from marrowscope.bootstrap import build_cell_reviewer, build_field_finder, build_review_stores
from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.services import ai_review as review
from marrowscope.web.ai_review.review import call_payload
from marrowscope.web.counting.counter import count_payload
from marrowscope.web.deps import Ctx, SignedIn, WebContext, require

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["ai review"])

Reviewer = Annotated[SignedIn, Depends(require(*review.REVIEW_ROLES))]
_LABEL = Annotated[str, Form(max_length=40)]


class DecisionIn(BaseModel):
    """Confirm the model's call, change it to ``code``, or reject the image."""

    action: Literal["confirm", "change", "reject"]
    code: str = Field(default="", max_length=8, description="the cell class, for 'change'")


class RecountIn(BaseModel):
    """A counted cell's new class (empty: reject it) and why it changes."""

    code: str = Field(default="", max_length=8)
    reason: str = Field(max_length=500)


class SlideIn(BaseModel):
    """A slide of the case, by its label."""

    slide_label: str = Field(max_length=40)


class ProgressOut(BaseModel):
    """How far the cells of one slide are reviewed."""

    slide_label: str
    total: int
    proposed: int
    flagged_undecided: int
    confirmed: int
    corrected: int
    rejected: int
    counted: int


class RefusedFile(BaseModel):
    """A file that was not stored, and why."""

    name: str
    reason: str


class UploadOut(BaseModel):
    """The cells stored (the model's call and the decision, none yet) and files refused."""

    cells: list[dict[str, object]]
    refused: list[RefusedFile]


class CellsOut(BaseModel):
    """The case's cells under review (of one slide when asked) and each slide's progress."""

    cells: list[dict[str, object]]
    slides: list[ProgressOut]


def _stores(ctx: WebContext) -> review.ReviewStores:
    return build_review_stores(ctx.accounts)


def _classifier(ctx: WebContext) -> review.CellClassifierPort:
    """The installed model; a plain refusal where none is (not a server error)."""
    try:
        return build_cell_reviewer(ctx.settings)
    except (MarrowscopeError, OSError):
        raise InvalidInput("no cell classifier is installed; ask an administrator") from None


def _read(files: list[UploadFile], limit: int) -> list[review.UploadedImage]:
    """The named files, each read to one byte past the limit (the service refuses those)."""
    found = [review.UploadedImage(f.filename, f.file.read(limit + 1)) for f in files if f.filename]
    if not found:
        raise InvalidInput("files: send one or more images")
    return found


def _refused(errors: tuple[tuple[str, str], ...]) -> list[RefusedFile]:
    return [RefusedFile(name=name, reason=reason) for name, reason in errors]


@router.get("/cases/{case_id}/ai/cells")
def cells(ctx: Ctx, me: Reviewer, case_id: int, slide: str | None = None) -> CellsOut:
    """The model's calls and the decisions so far; ``?slide=`` for one slide."""
    with ctx.uow() as uow:
        every = review.calls_for_case(uow, _stores(ctx), me.actor, case_id)
    shown = [c for c in every if slide is None or c.slide_label == slide]
    return CellsOut(
        cells=[call_payload(c) for c in shown],
        slides=[
            ProgressOut(
                slide_label=p.slide_label,
                total=p.total,
                proposed=p.proposed,
                flagged_undecided=p.flagged_undecided,
                confirmed=p.confirmed,
                corrected=p.corrected,
                rejected=p.rejected,
                counted=p.counted,
            )  # fmt: skip
            for p in review.slides_progress(every)
        ],
    )


@router.post("/cases/{case_id}/ai/images", status_code=201)
def upload_images(
    ctx: Ctx,
    me: Reviewer,
    case_id: int,
    slide_label: _LABEL,
    images: Annotated[list[UploadFile], File(description="single-cell images")],
) -> UploadOut:
    """Pre-classify single-cell images of one slide (multipart); refused files say why."""
    found = _read(images, review.MAX_IMAGE_BYTES)
    with ctx.uow() as uow:
        result = review.import_images(
            uow, _stores(ctx), _classifier(ctx), me.actor, case_id,
            slide_label, found,
        )  # fmt: skip
    return UploadOut(cells=[call_payload(c) for c in result.calls], refused=_refused(result.errors))


@router.post("/cases/{case_id}/ai/fields", status_code=201)
def upload_fields(
    ctx: Ctx,
    me: Reviewer,
    case_id: int,
    slide_label: _LABEL,
    fields: Annotated[list[UploadFile], File(description="field images of the smear")],
) -> UploadOut:
    """Detect, classify and store the white cells of field images (multipart)."""
    found = _read(fields, review.MAX_FIELD_BYTES)
    try:
        finder = build_field_finder(ctx.settings)
    except (MarrowscopeError, OSError):
        raise InvalidInput("no cell detector is installed; ask an administrator") from None
    with ctx.uow() as uow:
        result = review.analyze_fields(
            uow, _stores(ctx), finder, _classifier(ctx), me.actor, case_id,
            slide_label, found,
        )  # fmt: skip
    return UploadOut(cells=[call_payload(c) for c in result.calls], refused=_refused(result.errors))


@router.post("/cells/{cell_id}/decision")
def decide(ctx: Ctx, me: Reviewer, cell_id: int, body: DecisionIn) -> dict[str, object]:
    """Confirm, change or reject one cell's call (audited, with who and when)."""
    with ctx.uow() as uow:
        decided = review.decide_action(uow, _stores(ctx), me.actor, cell_id, body.action, body.code)
    return call_payload(decided)


@router.post("/cells/{cell_id}/recount")
def recount(ctx: Ctx, me: Reviewer, cell_id: int, body: RecountIn) -> dict[str, object]:
    """Change a cell already counted (with a reason); its slide count follows."""
    with ctx.uow() as uow:
        changed = review.change_counted_cell(
            uow, _stores(ctx), me.actor, cell_id, body.code or None, body.reason
        )
    return call_payload(changed)


@router.post("/cases/{case_id}/ai/confirm-unflagged")
def confirm_unflagged(
    ctx: Ctx, me: Reviewer, case_id: int, body: SlideIn
) -> dict[str, int | str | None]:
    """Confirm every undecided cell that needs no person's eye; say how many were left."""
    with ctx.uow() as uow:
        done = review.confirm_unflagged(uow, _stores(ctx), me.actor, case_id, body.slide_label)
    return {
        "confirmed": done.confirmed,
        "left": done.left,
        "abstained": done.abstained,
        "message": done.message,
    }


@router.post("/cases/{case_id}/ai/count", status_code=201)
def count_slide(ctx: Ctx, me: Reviewer, case_id: int, body: SlideIn) -> dict[str, object]:
    """Turn a fully decided slide into a saved slide count of the case's differential."""
    with ctx.uow() as uow:
        count = review.count_slide(uow, _stores(ctx), me.actor, case_id, body.slide_label)
    return count_payload(count)
