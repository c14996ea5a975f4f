"""Pathologist: the case's integrated view (blood count, procedure, every result, the
differential) and the report editor with sign-out and release.

The report itself (ICSH structure, versions, sign-out, amendments, release) belongs to
the reports area; this router calls it through ``web.report_bridge`` and shows what it
returns.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from marrowscope.domain.classification_names import SCHEMES, suggested_names
from marrowscope.domain.pathway import RecordKind
from marrowscope.domain.roles import Role
from marrowscope.services import pathway
from marrowscope.services import slide_counts as counting
from marrowscope.services.patients import get_patient, list_cases
from marrowscope.web import report_bridge
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/pathologist", tags=["pathologist"])

Pathologist = Annotated[SignedIn, Depends(require(Role.PATHOLOGIST))]


@router.get("")
def pathologist_home(request: Request, ctx: Ctx, me: Pathologist) -> Response:
    """Cases to report."""
    with ctx.uow() as uow:
        rows = [(c, get_patient(uow, me.actor, c.patient_id)) for c in list_cases(uow, me.actor)]
    return render(
        request,
        "area_cases.html",
        me,
        title="Cases to report",
        rows=rows,
        link="/pathologist/cases/",
    )


@router.get("/cases/{case_id}")
def case_view(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Everything about the case on one page, and its report."""
    with ctx.uow() as uow:
        record = pathway.load_case_record(uow, me.actor, case_id)
        cbcs = [pathway.cbc_outcome(uow, me.actor, r) for r in record.current(RecordKind.CBC)]
        slides = counting.counts_for_case(uow, ctx.stores, me.actor, case_id)
        report = report_bridge.current_report(uow, me.actor, case_id)
        report_html = report_bridge.report_html(uow, me.actor, case_id)
        versions = report_bridge.versions(uow, me.actor, case_id)
    merged = counting.merged_counts(slides)
    specimens = {s.id: s for s in record.specimens}
    tests = [(t, specimens[t.specimen_id], record.current_result(t.id)) for t in record.tests]
    return render(
        request,
        "pathologist_case.html",
        me,
        record=record,
        cbc=cbcs[-1] if cbcs else None,
        order=record.latest(RecordKind.ORDER),
        assessment=record.latest(RecordKind.ASSESSMENT),
        procedure=record.latest(RecordKind.PROCEDURE),
        tests=tests,
        slides=slides,
        merged=merged,
        summary=counting.summarise(merged),
        report=report,
        report_html=report_html,
        versions=versions,
        sections=report_bridge.sections(),
        name_suggestions={scheme: suggested_names(scheme) for scheme in SCHEMES},
        reports_available=report_bridge.available(),
    )


_CONTROL_FIELDS = frozenset({"csrf_token", "use_counts", "reason"})


def _report_fields(form: FormData) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if k not in _CONTROL_FIELDS}


@router.post("/cases/{case_id}/report")
async def save_report(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Save the report draft; optionally take the differential counted so far."""
    form = await request.form()
    with ctx.uow() as uow:
        counts = None
        if form.get("use_counts") == "yes":
            slides = counting.counts_for_case(uow, ctx.stores, me.actor, case_id)
            counts = counting.merged_counts(slides)
        report_bridge.save_draft(uow, me.actor, case_id, _report_fields(form), counts)
    return redirect(f"/pathologist/cases/{case_id}#report")


@router.post("/cases/{case_id}/report/amend")
async def amend_report(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Amend the signed report: a new signed version with the reason."""
    form = await request.form()
    with ctx.uow() as uow:
        report_bridge.amend(
            uow, me.actor, case_id, _report_fields(form), str(form.get("reason", ""))
        )
    return redirect(f"/pathologist/cases/{case_id}#report")


@router.post("/cases/{case_id}/report/addendum")
async def addend_report(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Add a signed addendum (e.g. a late karyotype) without touching the signed text."""
    form = await request.form()
    with ctx.uow() as uow:
        report_bridge.addendum(
            uow, me.actor, case_id, str(form.get("text", "")), str(form.get("reason", ""))
        )
    return redirect(f"/pathologist/cases/{case_id}#report")


@router.get("/cases/{case_id}/report.pdf")
def report_pdf(ctx: Ctx, me: Pathologist, case_id: int, version: int | None = None) -> Response:
    """The report as PDF (a signed version exactly as it was signed)."""
    with ctx.uow() as uow:
        pdf = report_bridge.report_pdf(uow, me.actor, case_id, version)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="case-{case_id}-report.pdf"'},
    )


@router.post("/cases/{case_id}/report/sign")
def sign_report(ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Sign the report out: from now on it changes only by amendment."""
    with ctx.uow() as uow:
        report_bridge.sign(uow, me.actor, case_id)
    return redirect(f"/pathologist/cases/{case_id}#report")


@router.post("/cases/{case_id}/report/release")
def release_report(ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Release the signed report to the patient (a separate, recorded step)."""
    with ctx.uow() as uow:
        report_bridge.release(uow, me.actor, case_id)
    return redirect(f"/pathologist/cases/{case_id}#report")
