"""The pathologist adopts the decision-support proposal into the report draft.

The proposed texts fill the WHO, ICC, IMWG, risk and missing-results fields of the draft,
where the pathologist edits them before signing; the whole proposal as computed is kept
in its own field, so the signed report shows both what the machine proposed and what the
pathologist signed. For a repeat marrow the comparison with the previous examination and
the response it is consistent with fill the comparison field. A signed report refuses (it
is amended, never overwritten). The page button and its JSON twin
(``web.diagnosis.api``) both go through ``adopt_proposal``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from marrowscope.domain.counting.slide_counts import CountStatus
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.roles import Role
from marrowscope.services import counting
from marrowscope.services.diagnosis import case_diagnosis, case_followup
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.web.deps import Ctx, SignedIn, WebContext, require
from marrowscope.web.diagnosis.followup import followup_text, report_reader
from marrowscope.web.diagnosis.views import diagnosis_json, proposal_text
from marrowscope.web.pages import redirect
from marrowscope.web.reporting import bridge as report_bridge

__all__ = ["adopt_proposal", "router"]

router = APIRouter(prefix="/pathologist", tags=["pathologist"])

Pathologist = Annotated[SignedIn, Depends(require(Role.PATHOLOGIST))]


def adopt_proposal(ctx: WebContext, me: SignedIn, case_id: int) -> dict[str, Any]:
    """Copy the proposal into the draft (made from the prefill if there is none yet)."""
    with ctx.uow() as uow:
        report = report_bridge.current_report(uow, me.actor, case_id)
        base = (
            dict(report.fields)
            if report is not None
            else report_bridge.prefill(uow, me.actor, case_id)
        )
        diagnosis = case_diagnosis(
            uow,
            ctx.stores,
            me.actor,
            case_id,
            report_fields=base,
            report_counts=report.counts if report is not None else None,
        )
        fields = {**base, **diagnosis.proposal(), "diagnosis_proposal": proposal_text(diagnosis)}
        # a repeat marrow: the comparison with the previous one and the response proposed
        followup = case_followup(
            uow, ctx.stores, me.actor, case_id, report_of=report_reader(uow, me)
        )
        if followup.previous is not None:
            fields["comparison"] = followup_text(followup)
        # a first draft takes the saved slide counts the proposal was computed from, as
        # the report form does by default; an existing draft keeps the counts it holds
        counts = None if report is not None else _saved_counts(ctx, me, uow, case_id)
        report_bridge.save_draft(uow, me.actor, case_id, fields, counts)
    return diagnosis_json(diagnosis)


def _saved_counts(
    ctx: WebContext, me: SignedIn, uow: UnitOfWork, case_id: int
) -> dict[CellClass, int] | None:
    slides = counting.counts_for_case(uow, ctx.stores, me.actor, case_id)
    saved = [s for s in slides if s.status is CountStatus.SAVED]
    return dict(counting.merged_counts(saved)) if saved else None


@router.post("/cases/{case_id}/report/adopt-diagnosis")
def adopt_diagnosis(ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """The page's button: adopt, then back to the report editor."""
    adopt_proposal(ctx, me, case_id)
    return redirect(f"/pathologist/cases/{case_id}#report")
