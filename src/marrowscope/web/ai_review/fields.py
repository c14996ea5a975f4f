"""Slide images in the browser: upload fields, review their cells in a gallery, check agreement.

Field images (photographs or scans of the smear) are searched for white cells, each cell
is classified and stored for review (``services.ai_review.analyze_fields``). The gallery
shows a slide's cells large, grouped by class, the least certain first, with the field
around a cell on demand; decisions use the same route as the table view. The agreement
between the model and the reviewers is shown per case and person and exported as CSV.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from marrowscope.bootstrap import build_cell_reviewer, build_field_finder, build_review_stores
from marrowscope.domain.ai_review import (
    SlideShift,
    blind_spot_codes,
    blind_spot_words,
    confirm_refusal,
    contradiction_reason,
    needs_person,
    slide_shift,
)
from marrowscope.domain.counting.taxonomy import all_classes
from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.services import ai_review as review
from marrowscope.services import counting
from marrowscope.services.cases import get_case, get_patient
from marrowscope.web.ai_review.gallery import gallery_groups, proposed_differential
from marrowscope.web.ai_review.review import call_payload
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import redirect, render

__all__ = ["acceptance_note", "router"]

router = APIRouter(prefix="/review", tags=["ai review"])

Reviewer = Annotated[SignedIn, Depends(require(*review.REVIEW_ROLES))]


@router.post("/cases/{case_id}/fields")
async def upload_fields(request: Request, ctx: Ctx, me: Reviewer, case_id: int) -> Response:
    """Detect, classify and store the white cells of uploaded field images (multipart)."""
    form = await request.form()
    label = str(form.get("slide_label", "")).strip()
    fields = []
    for item in form.getlist("fields"):
        if isinstance(item, UploadFile) and item.filename:
            fields.append(review.UploadedImage(item.filename, await item.read()))
    if not fields:
        raise InvalidInput("choose one or more field images to analyse")

    def analyse() -> Response:
        try:
            finder = build_field_finder(ctx.settings)
        except (MarrowscopeError, OSError):
            raise InvalidInput("no cell detector is installed; ask an administrator") from None
        with ctx.uow() as uow:
            result = review.analyze_fields(
                uow, build_review_stores(ctx.accounts), finder,
                build_cell_reviewer(ctx.settings), me.actor, case_id, label, fields,
            )  # fmt: skip
        return _gallery(request, ctx, me, case_id, label, result)

    return await run_in_threadpool(analyse)


@router.post("/cells/{cell_id}/recount")
def recount(
    request: Request,
    ctx: Ctx,
    me: Reviewer,
    cell_id: int,
    reason: Annotated[str, Form(max_length=500)],
    code: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Change a counted cell (empty code rejects it) with a reason; its slide count follows."""
    stores = build_review_stores(ctx.accounts)
    with ctx.uow() as uow:
        changed = review.change_counted_cell(uow, stores, me.actor, cell_id, code or None, reason)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(call_payload(changed))
    return redirect(f"/review/cases/{changed.case_id}/gallery#cell-{cell_id}")


@router.get("/cells/{cell_id}/context")
def context(ctx: Ctx, me: Reviewer, cell_id: int) -> Response:
    """The cell among its neighbours, cut from its field."""
    with ctx.uow() as uow:
        data = review.context_of(uow, build_review_stores(ctx.accounts), me.actor, cell_id)
    return Response(
        data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"}
    )


def _gallery(
    request: Request,
    ctx: Ctx,
    me: SignedIn,
    case_id: int,
    slide: str | None,
    result: review.FieldAnalysis | None = None,
    accepted: tuple[int, int] | None = None,
) -> Response:
    stores = build_review_stores(ctx.accounts)
    with ctx.uow() as uow:
        case = get_case(uow, me.actor, case_id)
        patient = get_patient(uow, me.actor, case.patient_id)
        calls = review.calls_for_case(uow, stores, me.actor, case_id)
        agreement = review.case_agreement(uow, stores, me.actor, case_id)
        maps = counting.keymaps_of(uow, ctx.stores, me.user.id)
    labels = review.slide_labels(calls)
    if slide not in labels:
        slide = next(iter(labels), None)
    shown = [c for c in calls if c.slide_label == slide]
    progress = review.slides_progress(calls)
    shifts = [w for w in (slide_shift(label, calls) for label in labels) if w is not None]
    abstain = next((w for w in shifts if w.slide_label == slide), None)
    return render(
        request,
        "review_gallery.html",
        me,
        case=case,
        patient=patient,
        slide=slide,
        labels=labels,
        progress=progress,
        current=next((p for p in progress if p.slide_label == slide), None),
        groups=gallery_groups(shown, abstain is not None),
        differential=proposed_differential(shown, abstain is not None),
        abstain=abstain,
        acceptance=acceptance_note(accepted, abstain),
        needs_person=needs_person,
        confirm_refused=lambda c: confirm_refusal(c, abstain is not None),
        contradiction_reason=contradiction_reason,
        blind_spots=(blind_spot_words(), [c.value for c in blind_spot_codes()]),
        agreement=agreement,
        class_names={row.code.value: row.name for row in all_classes()},
        keymap={key: code.value for key, code in maps[0].keys.items()},
        result=result,
        shifts=shifts,
        next_label=f"AI slide {len(labels) + 1}",
    )


def acceptance_note(accepted: tuple[int, int] | None, abstain: SlideShift | None) -> str:
    """After "accept page": how many cells were accepted and how many wait for a person."""
    if accepted is None:
        return ""
    confirmed, left = accepted
    reason = abstain.reason if abstain is not None and confirmed == 0 else None
    return review.BulkAcceptance(confirmed, left, reason).message


@router.get("/cases/{case_id}/gallery")
def gallery(
    request: Request,
    ctx: Ctx,
    me: Reviewer,
    case_id: int,
    slide: str | None = None,
    accepted: Annotated[int | None, Query(ge=0)] = None,
    left: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """A slide's cells grouped by class, large, least certain first; keyboard review."""
    done = None if accepted is None or left is None else (accepted, left)
    return _gallery(request, ctx, me, case_id, slide, accepted=done)


@router.get("/cases/{case_id}/agreement.csv")
def agreement_csv(ctx: Ctx, me: Reviewer, case_id: int) -> Response:
    """Model-reviewer agreement of the case (overall, kappa, PPA/NPA per class) as CSV."""
    with ctx.uow() as uow:
        get_case(uow, me.actor, case_id)
        result = review.case_agreement(uow, build_review_stores(ctx.accounts), me.actor, case_id)
    return Response(
        review.agreement_csv(result),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-agreement.csv"'},
    )
