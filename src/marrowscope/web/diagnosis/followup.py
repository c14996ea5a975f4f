"""A repeat marrow beside the previous one, and its response category, as JSON:
``GET /api/cases/{id}/followup`` (the comparison and the response, or why there is
none) and ``GET /api/cases/{id}/response`` (409 with the reason when no earlier
examination holds a diagnosis to respond to). ``report_reader`` and ``followup_text``
are shared with the pathologist's page and the adopt button."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from marrowscope.domain.diagnosis.response.comparison import comparison_text
from marrowscope.domain.diagnosis.response.criteria import ResponseAssessment
from marrowscope.domain.roles import Role
from marrowscope.services.diagnosis import (
    DIAGNOSIS_ROLES,
    Followup,
    ReportOf,
    case_followup,
    case_response,
)
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.diagnosis.views import candidate_json
from marrowscope.web.reporting import bridge as report_bridge

__all__ = ["followup_json", "followup_text", "report_reader", "router"]

router = APIRouter(prefix="/api", tags=["diagnosis"])

Reader = Annotated[SignedIn, Depends(require(*DIAGNOSIS_ROLES))]


def report_reader(uow: UnitOfWork, me: SignedIn) -> ReportOf | None:
    """Each case's report fields and counts, for the pathologist (who reads reports)."""
    if me.actor.role is not Role.PATHOLOGIST:
        return None

    def report_of(case_id: int) -> tuple[dict[str, str], dict[str, int] | None] | None:
        report = report_bridge.current_report(uow, me.actor, case_id)
        if report is None:
            return None
        counts = {str(k): int(v) for k, v in report.counts.items()} if report.counts else None
        return dict(report.fields), counts

    return report_of


def _response_json(response: ResponseAssessment) -> dict[str, Any]:
    return {
        "system": response.system,
        "source": response.source,
        "proposed": None if response.proposed is None else candidate_json(response.proposed),
        "considered": [candidate_json(c) for c in response.considered],
    }


def followup_json(followup: Followup) -> dict[str, Any]:
    """The comparison rows, the previous case and the response (or the refusal)."""
    previous = followup.previous
    return {
        "decision_support": True,
        "previous_case": None if previous is None else {
            "id": previous.id, "opened_at": previous.opened_at.isoformat()
        },
        "figures": [asdict(f) for f in followup.figures],
        "response": None if followup.response is None else _response_json(followup.response),
        "refusal": followup.refusal,
    }  # fmt: skip


def followup_text(followup: Followup) -> str:
    """The paragraph the report's comparison field takes when the proposal is adopted."""
    if followup.previous is None:
        return ""
    previous = f"case {followup.previous.id} of {followup.previous.opened_at.date().isoformat()}"
    proposed = followup.response.proposed if followup.response else None
    response = "" if proposed is None else proposed.wording
    if proposed is not None and proposed.missing:
        response += " Not settled: " + "; ".join(m.what for m in proposed.missing) + "."
    return comparison_text(previous, followup.figures, response)


@router.get("/cases/{case_id}/followup")
def get_followup(ctx: Ctx, me: Reader, case_id: int) -> dict[str, Any]:
    """The repeat marrow beside the previous one, and the response it is consistent with."""
    with ctx.uow() as uow:
        followup = case_followup(
            uow, ctx.stores, me.actor, case_id, report_of=report_reader(uow, me)
        )
    return followup_json(followup)


@router.get("/cases/{case_id}/response")
def get_response(ctx: Ctx, me: Reader, case_id: int) -> dict[str, Any]:
    """The response category alone; 409 with the reason without an earlier diagnosis."""
    with ctx.uow() as uow:
        response = case_response(
            uow, ctx.stores, me.actor, case_id, report_of=report_reader(uow, me)
        )
    return _response_json(response)
