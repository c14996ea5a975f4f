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
        reports_available=report_bridge.available(),
    )


@router.post("/cases/{case_id}/report")
async def save_report(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Save the report draft (conclusion and comments)."""
    form = await request.form()
    fields = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    with ctx.uow() as uow:
        report_bridge.save_draft(uow, me.actor, case_id, fields)
    return redirect(f"/pathologist/cases/{case_id}#report")


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
