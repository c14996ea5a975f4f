"""AI pre-classification in the browser: upload a slide's cells, decide each model call.

The page lists each cell's thumbnail with the model's code, confidence, top three and
review flag; the morphologist confirms, changes or rejects each (keyboard or select,
``static/ai_review.js`` saves a decision without reloading; without script the forms
post and redirect). A slide whose cells are all decided is turned into an ordinary
saved slide count of the case's differential.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from marrowscope.bootstrap import build_cell_reviewer, build_review_stores
from marrowscope.domain.ai_review import (
    Agreement,
    CellCall,
    blind_spot_codes,
    blind_spot_words,
    confirm_refusal,
    needs_person,
    slide_shift,
)
from marrowscope.domain.counting.taxonomy import all_classes
from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.services import ai_review as review
from marrowscope.services.cases import get_case, get_patient
from marrowscope.services.reporting import case_list
from marrowscope.web.deps import Ctx, SignedIn, WebContext, require
from marrowscope.web.pages import redirect, render

__all__ = ["MAX_WEB_UPLOAD_FILES", "agreement_payload", "call_payload", "router"]

router = APIRouter(prefix="/review", tags=["ai review"])

Reviewer = Annotated[SignedIn, Depends(require(*review.REVIEW_ROLES))]

# Starlette refuses a multipart body with more files than this before any route runs;
# the CLI (``marrowscope review import``) takes larger folders.
MAX_WEB_UPLOAD_FILES = 1000


def _stores(ctx: WebContext) -> review.ReviewStores:
    return build_review_stores(ctx.accounts)


def call_payload(call: CellCall) -> dict[str, object]:
    """A cell call as JSON: the model's call and the person's decision, side by side."""
    return {
        "id": call.id,
        "case_id": call.case_id,
        "slide_label": call.slide_label,
        "image_name": call.image_name,
        "model": {
            "code": call.model.code.value,
            "confidence": round(call.model.confidence, 4),
            "top3": [[c.value, round(p, 4)] for c, p in call.model.top3],
            "review": call.model.review,
            "reason": call.model.reason,
            "name": call.model.model_name,
            "version": call.model.model_version,
        },
        "state": call.state.value,
        "final_code": None if call.final_code is None else call.final_code.value,
        "decided_by": call.decided_by,
        "decided_at": None if call.decided_at is None else call.decided_at.isoformat(),
        "slide_count_id": call.slide_count_id,
    }


def agreement_payload(agreement: Agreement) -> dict[str, object]:
    """Pairs, overall agreement and Cohen's kappa as the gallery's table shows them."""
    return {
        "pairs": agreement.pairs,
        "overall": None if agreement.overall is None else round(agreement.overall, 4),
        "kappa": None if agreement.kappa is None else round(agreement.kappa, 4),
    }


@router.get("")
def review_home(request: Request, ctx: Ctx, me: Reviewer) -> Response:
    """Cases, each with its slides under AI review and how far each is decided."""
    rows = []
    with ctx.uow() as uow:
        for row in case_list(uow, me.actor):
            calls = review.calls_for_case(uow, _stores(ctx), me.actor, row.case.id)
            rows.append((row, review.slides_progress(calls)))
    return render(request, "review_home.html", me, rows=rows)


def _model(ctx: WebContext) -> review.CellClassifierPort | None:
    """The model, or None where none is installed (the page then says so)."""
    try:
        return build_cell_reviewer(ctx.settings)
    except (MarrowscopeError, OSError):
        return None


def _case_page(
    request: Request,
    ctx: WebContext,
    me: SignedIn,
    case_id: int,
    slide: str | None,
    result: review.ImportResult | None = None,
    status_code: int = 200,
    acceptance: str = "",
) -> Response:
    with ctx.uow() as uow:
        case = get_case(uow, me.actor, case_id)
        patient = get_patient(uow, me.actor, case.patient_id)
        calls = review.calls_for_case(uow, _stores(ctx), me.actor, case_id)
    labels = review.slide_labels(calls)
    progress = review.slides_progress(calls)
    if slide not in labels:
        open_ = [p.slide_label for p in progress if not p.counted]  # still to count
        slide = next(iter(open_ or labels), None)
    shown = [c for c in calls if c.slide_label == slide]
    shifts = [w for w in (slide_shift(label, calls) for label in labels) if w is not None]
    abstain = next((w for w in shifts if w.slide_label == slide), None)
    if abstain is not None and acceptance:
        acceptance = f"Nothing accepted: the model abstains on this slide ({abstain.reason})."
    return render(
        request,
        "review_case.html",
        me,
        status_code=status_code,
        case=case,
        patient=patient,
        progress=progress,
        slide=slide,
        current=next((p for p in progress if p.slide_label == slide), None),
        calls=shown,
        classes=all_classes(),
        result=result,
        model=_model(ctx),
        max_files=MAX_WEB_UPLOAD_FILES,
        next_label=f"AI slide {len(labels) + 1}",
        shifts=shifts,
        abstain=abstain,
        acceptance=acceptance,
        needs_person=needs_person,
        # no "Confirm" button where the server would refuse it: the person chooses
        confirm_refused=lambda c: confirm_refusal(c, abstain is not None),
        blind_spots=(blind_spot_words(), [c.value for c in blind_spot_codes()]),
    )


@router.get("/cases/{case_id}")
def case_page(
    request: Request,
    ctx: Ctx,
    me: Reviewer,
    case_id: int,
    slide: str | None = None,
    accepted: Annotated[int | None, Query(ge=0)] = None,
    left: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """One case: upload form, slides, and the cells of one slide to decide."""
    note = ""
    if accepted is not None and left is not None:
        note = review.BulkAcceptance(accepted, left).message
    return _case_page(request, ctx, me, case_id, slide, acceptance=note)


@router.post("/cases/{case_id}/upload")
async def upload(request: Request, ctx: Ctx, me: Reviewer, case_id: int) -> Response:
    """Pre-classify the uploaded images of one slide (multipart: slide_label, images)."""
    form = await request.form()
    label = str(form.get("slide_label", "")).strip()
    images = []
    for item in form.getlist("images"):
        if isinstance(item, UploadFile) and item.filename:
            images.append(review.UploadedImage(item.filename, await item.read()))
    if not images:
        raise InvalidInput("choose one or more cell images to upload")

    def classify_and_store() -> Response:
        with ctx.uow() as uow:
            result = review.import_images(
                uow, _stores(ctx), build_cell_reviewer(ctx.settings), me.actor, case_id, label,
                images,
            )  # fmt: skip
        return _case_page(request, ctx, me, case_id, label, result=result)

    # Seconds of model and database work: off the event loop, so that other people's
    # requests (the counter's background saves) are not held up meanwhile.
    return await run_in_threadpool(classify_and_store)


@router.get("/cells/{cell_id}/thumbnail")
def thumbnail(ctx: Ctx, me: Reviewer, cell_id: int) -> Response:
    """The small JPEG kept with a cell's record."""
    with ctx.uow() as uow:
        data = review.thumbnail_of(uow, _stores(ctx), me.actor, cell_id)
    return Response(
        data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"}
    )


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@router.post("/cells/{cell_id}/decide")
def decide(
    request: Request,
    ctx: Ctx,
    me: Reviewer,
    cell_id: int,
    action: Annotated[str, Form(pattern="^(confirm|change|reject)$")],
    code: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Confirm the model's call, change it to ``code``, or reject the image."""
    with ctx.uow() as uow:
        decided = review.decide_action(uow, _stores(ctx), me.actor, cell_id, action, code)
    if _wants_json(request):
        # the gallery's agreement table follows each decision without a reload
        with ctx.uow() as uow:
            now = review.case_agreement(uow, _stores(ctx), me.actor, decided.case_id)
        payload = call_payload(decided)
        payload["agreement"] = {
            "overall": agreement_payload(now.overall),
            "by_reviewer": [[who, agreement_payload(a)] for who, a in now.by_reviewer],
        }
        return JSONResponse(payload)
    return redirect(
        f"/review/cases/{decided.case_id}?slide={_q(decided.slide_label)}#cell-{cell_id}"
    )


@router.post("/cases/{case_id}/confirm-unflagged")
def confirm_unflagged(
    ctx: Ctx,
    me: Reviewer,
    case_id: int,
    slide_label: Annotated[str, Form(max_length=40)],
    view: Annotated[str, Form(pattern="^(table|gallery)?$")] = "",
) -> Response:
    """Accept every undecided cell that needs no person's eye; the page says how many are left."""
    with ctx.uow() as uow:
        done = review.confirm_unflagged(uow, _stores(ctx), me.actor, case_id, slide_label)
    page = "/gallery" if view == "gallery" else ""
    return redirect(
        f"/review/cases/{case_id}{page}?slide={_q(slide_label)}"
        f"&accepted={done.confirmed}&left={done.left}"
    )


@router.post("/cases/{case_id}/count")
def count_slide(
    ctx: Ctx, me: Reviewer, case_id: int, slide_label: Annotated[str, Form(max_length=40)]
) -> Response:
    """Turn a fully decided slide into a saved slide count; show the case's differential."""
    with ctx.uow() as uow:
        review.count_slide(uow, _stores(ctx), me.actor, case_id, slide_label)
    return redirect(f"/counter/cases/{case_id}")


def _q(text: str) -> str:
    return quote(text, safe="")
