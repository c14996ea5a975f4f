"""Pathologist: the case's integrated view (blood count, procedure, every result, the
differential) and the report editor with sign-out and release.

The report itself (ICSH structure, versions, sign-out, amendments, release) belongs to
the reports area; this router calls it through ``web.report_bridge`` and shows what it
returns.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from marrowscope.bootstrap import build_review_stores
from marrowscope.domain.ai_review import provenance_text
from marrowscope.domain.counting.slide_counts import CountStatus
from marrowscope.domain.diagnosis.context import context_fields, context_groups
from marrowscope.domain.errors import (
    AuthenticationFailed,
    InvalidFields,
    InvalidInput,
    MarrowscopeError,
)
from marrowscope.domain.lab import result_table
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.reporting import FIELD_LABELS, UnconfirmedWarnings
from marrowscope.domain.reporting.classification_names import SCHEMES, suggested_names
from marrowscope.domain.roles import Role
from marrowscope.services import ai_review as review
from marrowscope.services import cases, counting
from marrowscope.services.accounts import confirm_signer
from marrowscope.services.diagnosis import case_diagnosis, case_followup, diagnostic_context
from marrowscope.services.reporting import case_list
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.web.deps import Ctx, SignedIn, WebContext, require
from marrowscope.web.errors import status_of
from marrowscope.web.form_state import is_form_refusal
from marrowscope.web.pages import redirect, render
from marrowscope.web.reporting import bridge as report_bridge
from marrowscope.web.reporting.call_panel import call_panel
from marrowscope.web.reporting.settings import letterhead_of, releaser_of

__all__ = ["router"]

router = APIRouter(prefix="/pathologist", tags=["pathologist"])

Pathologist = Annotated[SignedIn, Depends(require(Role.PATHOLOGIST))]


@router.get("")
def pathologist_home(request: Request, ctx: Ctx, me: Pathologist) -> Response:
    """Cases to report."""
    with ctx.uow() as uow:
        rows = case_list(uow, me.actor)
    return render(
        request,
        "area_cases.html",
        me,
        title="Cases to report",
        rows=rows,
        link="/pathologist/cases/",
    )


def _undecided_ai_cells(uow: UnitOfWork, ctx: WebContext, me: SignedIn, case_id: int) -> int:
    """AI-proposed cells of the case that no person has decided yet."""
    return review.undecided_cells(uow, build_review_stores(ctx.accounts), me.actor, case_id)


def _case_page(
    request: Request, ctx: Ctx, me: SignedIn, case_id: int, status_code: int = 200, **extra: Any
) -> Response:
    """The integrated view; ``extra`` carries sign-out errors back into the form."""
    with ctx.uow() as uow:
        record = cases.load_case_record(uow, me.actor, case_id)
        cbcs = [cases.cbc_outcome(uow, me.actor, r) for r in record.current(RecordKind.CBC)]
        slides = counting.counts_for_case(uow, ctx.stores, me.actor, case_id)
        report = report_bridge.current_report(uow, me.actor, case_id)
        report_html = report_bridge.report_html(uow, me.actor, case_id)
        versions = report_bridge.versions(uow, me.actor, case_id)
        undecided = _undecided_ai_cells(uow, ctx, me, case_id)
        prefill = {} if report else report_bridge.prefill(uow, me.actor, case_id)
        if not report:
            method = provenance_text(
                review.calls_for_case(uow, build_review_stores(ctx.accounts), me.actor, case_id)
            )
            prefill = {**prefill, **({"differential_method": method} if method else {})}
        warnings = (
            report_bridge.signout_warnings(uow, me.actor, case_id, undecided)
            if report is not None and not report.is_signed
            else []
        )
        state = report_bridge.state(uow, me.actor, case_id, releaser_of(ctx.settings))
        calls = call_panel(uow, me.actor, case_id, f"/pathologist/cases/{case_id}",
                           extra.get("calls_form"), extra.get("calls_errors"))  # fmt: skip
        diagnosis = case_diagnosis(
            uow,
            ctx.stores,
            me.actor,
            case_id,
            report_fields=report.fields if report else prefill,
            report_counts=report.counts if report else None,
            loaded=(record, slides),
        )
        entered = extra.get("context_values") or diagnostic_context(uow, case_id)
        followup = case_followup(
            uow, ctx.stores, me.actor, case_id, report_of=lambda cid: _report_of(uow, me, cid)
        )
    merged = counting.merged_counts(slides)
    saved = counting.merged_counts([s for s in slides if s.status is CountStatus.SAVED])
    specimens = {s.id: s for s in record.specimens}
    tests = [(t, specimens[t.specimen_id], record.current_result(t.id)) for t in record.tests]
    return render(
        request,
        "pathologist_case.html",
        me,
        status_code=status_code,
        record=record,
        cbc=cbcs[-1] if cbcs else None,
        order=record.latest(RecordKind.ORDER),
        assessment=record.latest(RecordKind.ASSESSMENT),
        procedure=record.latest(RecordKind.PROCEDURE),
        tests=tests,
        result_table=result_table,
        slides=slides,
        merged=merged,
        saved_cells=sum(saved.values()),
        summary=counting.summarise(merged),
        report=report,
        report_html=report_html,
        versions=versions,
        prefill=prefill,
        warnings=warnings,
        undecided_ai_cells=undecided,
        report_state=state,
        releaser=releaser_of(ctx.settings).value,
        sections=report_bridge.sections(),
        name_suggestions={scheme: suggested_names(scheme) for scheme in SCHEMES},
        reports_available=report_bridge.available(),
        sign_errors=extra.get("sign_errors", {}),
        report_errors=extra.get("report_errors", {}),
        report_typed=extra.get("report_typed"),
        diagnosis=diagnosis,
        context_values=entered,
        context_fields=context_fields(),
        context_groups=context_groups(),
        context_errors=extra.get("context_errors", {}),
        followup=followup,
        calls_panel=calls,
    )


def _report_of(
    uow: UnitOfWork, me: SignedIn, case_id: int
) -> tuple[dict[str, str], dict[str, int] | None] | None:
    """A case's report fields and counts, read for the comparison with earlier marrows."""
    report = report_bridge.current_report(uow, me.actor, case_id)
    if report is None:
        return None
    counts = {str(k): int(v) for k, v in report.counts.items()} if report.counts else None
    return dict(report.fields), counts


@router.get("/cases/{case_id}")
def case_view(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Everything about the case on one page, and its report."""
    return _case_page(request, ctx, me, case_id)


_CONTROL_FIELDS = frozenset({"csrf_token", "use_counts", "reason", "password", "meaning"})
_SIGNERS = frozenset({Role.PATHOLOGIST})


def _report_fields(form: FormData) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if k not in _CONTROL_FIELDS}


@router.post("/cases/{case_id}/report")
async def save_report(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Save the report draft; optionally take the differential counted so far."""
    form = await request.form()
    typed = _report_fields(form)
    try:
        with ctx.uow() as uow:
            counts = None
            if form.get("use_counts") == "yes":
                # the signed (saved) slide counts only: a count still in progress is not final
                slides = counting.counts_for_case(uow, ctx.stores, me.actor, case_id)
                saved = [s for s in slides if s.status is CountStatus.SAVED]
                counts = counting.merged_counts(saved)
            report_bridge.save_draft(uow, me.actor, case_id, typed, counts)
    except MarrowscopeError as error:
        if not is_form_refusal(error):
            raise
        errors = dict(error.errors) if isinstance(error, InvalidFields) else {}
        unshown = [f"{k}: {v}" for k, v in errors.items() if k not in FIELD_LABELS]
        errors = {k: v for k, v in errors.items() if k in FIELD_LABELS}
        if unshown or not errors:
            errors["form"] = "; ".join(unshown) or str(error)
        return _case_page(
            request, ctx, me, case_id, status_of(error)[0],
            report_errors=errors, report_typed=typed,
        )  # fmt: skip
    return redirect(f"/pathologist/cases/{case_id}#report")


def _refused_signature(
    request: Request, ctx: Ctx, me: SignedIn, case_id: int, form: FormData, where: str
) -> Response | None:
    """None when the form's password is the signer's; else the page, 401 (422 when the
    password is missing), the reason next to the form."""
    try:
        confirm_signer(ctx.auth, me.user.username, str(form.get("password", "")), _SIGNERS)
    except (AuthenticationFailed, InvalidInput) as error:
        status = 401 if isinstance(error, AuthenticationFailed) else 422
        errors = {where: str(error).removeprefix("password: ")}
        return _case_page(request, ctx, me, case_id, status, sign_errors=errors)
    return None


@router.post("/cases/{case_id}/report/amend")
async def amend_report(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Amend the signed report: a new signed version with the reason, signed with the
    pathologist's password again and the meaning of the signature."""
    form = await request.form()
    refused = _refused_signature(request, ctx, me, case_id, form, "amend")
    if refused is not None:
        return refused
    with ctx.uow() as uow:
        report_bridge.amend(
            uow, me.actor, case_id, _report_fields(form), str(form.get("reason", "")),
            signer_name=me.user.display_name, meaning=str(form.get("meaning", "")),
            letterhead=letterhead_of(ctx.settings),
        )  # fmt: skip
    return redirect(f"/pathologist/cases/{case_id}#report")


@router.post("/cases/{case_id}/report/addendum")
async def addend_report(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Add a signed addendum (e.g. a late karyotype) without touching the signed text;
    signed like an amendment."""
    form = await request.form()
    refused = _refused_signature(request, ctx, me, case_id, form, "addendum")
    if refused is not None:
        return refused
    with ctx.uow() as uow:
        report_bridge.addendum(
            uow, me.actor, case_id, str(form.get("text", "")), str(form.get("reason", "")),
            signer_name=me.user.display_name, meaning=str(form.get("meaning", "")),
            letterhead=letterhead_of(ctx.settings),
        )  # fmt: skip
    return redirect(f"/pathologist/cases/{case_id}#report")


@router.get("/cases/{case_id}/report.pdf")
def report_pdf(ctx: Ctx, me: Pathologist, case_id: int, version: int | None = None) -> Response:
    """The report as PDF (a signed version exactly as it was signed)."""
    with ctx.uow() as uow:
        pdf = report_bridge.report_pdf(
            uow, me.actor, case_id, version, letterhead=letterhead_of(ctx.settings)
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="case-{case_id}-report.pdf"'},
    )


@router.post("/cases/{case_id}/report/sign")
async def sign_report(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Sign the report out: from now on it changes only by amendment.

    The signer types their password again (a signature, not a session), and confirms
    the warnings shown (small count, tests pending, undecided AI cells). A refusal
    comes back on the same page, next to the field.
    """
    form = await request.form()
    password = str(form.get("password", ""))
    confirmed = form.get("confirm_warnings") == "yes"
    try:
        confirm_signer(ctx.auth, me.user.username, password, _SIGNERS)
    except (AuthenticationFailed, InvalidInput) as error:
        errors = {"password": str(error).removeprefix("password: ")}
        return _case_page(request, ctx, me, case_id, 422, sign_errors=errors)
    try:
        with ctx.uow() as uow:
            undecided = _undecided_ai_cells(uow, ctx, me, case_id)
            report_bridge.sign(
                uow, me.actor, case_id, confirm_warnings=confirmed,
                undecided_ai_cells=undecided, signer_name=me.user.display_name,
                meaning=str(form.get("meaning", "")), letterhead=letterhead_of(ctx.settings),
            )  # fmt: skip
    except UnconfirmedWarnings:
        errors = {"confirm": "Tick the box to confirm you have read the warnings above."}
        return _case_page(request, ctx, me, case_id, 422, sign_errors=errors)
    return redirect(f"/pathologist/cases/{case_id}#report")
