"""``GET /api/cases/{case_id}/diagnosis``: the candidates, the risk groups, what is missing
and the trace of every criterion, as decision support."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from marrowscope.services.diagnosis import DIAGNOSIS_ROLES, case_diagnosis
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.diagnosis.views import diagnosis_json
from marrowscope.web.reporting import bridge as report_bridge

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["diagnosis"])

Reader = Annotated[SignedIn, Depends(require(*DIAGNOSIS_ROLES))]


@router.get("/cases/{case_id}/diagnosis")
def get_diagnosis(ctx: Ctx, me: Reader, case_id: int) -> dict[str, Any]:
    """The integrated-diagnosis panel of the case, recomputed from what it holds now."""
    with ctx.uow() as uow:
        report = report_bridge.current_report(uow, me.actor, case_id)
        diagnosis = case_diagnosis(
            uow,
            ctx.stores,
            me.actor,
            case_id,
            report_fields=report.fields if report is not None else None,
            report_counts=report.counts if report is not None else None,
        )
    return diagnosis_json(diagnosis)
