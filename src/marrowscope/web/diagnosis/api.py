"""``GET /api/cases/{case_id}/diagnosis``: the candidates, the risk groups, what is missing
and the trace of every criterion, as decision support; ``POST .../report/adopt-diagnosis``
puts the proposal into the report draft (the twin of the pathologist's button)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from marrowscope.domain.roles import Role
from marrowscope.services.diagnosis import DIAGNOSIS_ROLES, case_diagnosis
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.diagnosis.adopt import adopt_proposal
from marrowscope.web.diagnosis.views import diagnosis_json
from marrowscope.web.reporting import bridge as report_bridge

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["diagnosis"])

Reader = Annotated[SignedIn, Depends(require(*DIAGNOSIS_ROLES))]
Pathologist = Annotated[SignedIn, Depends(require(Role.PATHOLOGIST))]


@router.get("/cases/{case_id}/diagnosis")
def get_diagnosis(ctx: Ctx, me: Reader, case_id: int) -> dict[str, Any]:
    """The integrated-diagnosis panel of the case, recomputed from what it holds now."""
    with ctx.uow() as uow:
        report = (
            report_bridge.current_report(uow, me.actor, case_id)
            if me.actor.role is Role.PATHOLOGIST
            else None
        )
        diagnosis = case_diagnosis(
            uow,
            ctx.stores,
            me.actor,
            case_id,
            report_fields=report.fields if report is not None else None,
            report_counts=report.counts if report is not None else None,
        )
    return diagnosis_json(diagnosis)


@router.post("/cases/{case_id}/report/adopt-diagnosis")
def adopt_diagnosis(ctx: Ctx, me: Pathologist, case_id: int) -> dict[str, Any]:
    """The twin of the page's button: adopt the proposal into the draft; the panel adopted."""
    return adopt_proposal(ctx, me, case_id)
