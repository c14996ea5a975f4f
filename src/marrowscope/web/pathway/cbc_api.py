"""The JSON API of the blood count and of the live pre-procedure safety preview."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from marrowscope.domain.pathway.safety import overall
from marrowscope.domain.roles import Role
from marrowscope.services import pathway
from marrowscope.services.cases import codec
from marrowscope.web.deps import (
    Ctx,
    SignedIn,
    require,
)
from marrowscope.web.pathway.nursing import WARD, findings_payload, preview_findings

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

Checklist = Annotated[SignedIn, Depends(require(*WARD, Role.CLINICIAN))]
Clinical = Annotated[SignedIn, Depends(require(Role.CLINICIAN, Role.NURSE, Role.PROCEDURALIST))]


class CbcIn(BaseModel):
    """A blood count: ``{"hb": [9.2, "g/dL"], "platelets": 64, ...}`` and when it was taken."""

    collected_at: datetime
    measurements: dict[str, Any]
    laboratory: str = ""


@router.post("/cases/{case_id}/cbc")
def post_cbc(ctx: Ctx, me: Clinical, case_id: int, body: CbcIn) -> dict[str, Any]:
    """Record a blood count; answers with its flags and the indications it suggests."""
    collected = body.collected_at
    if collected.tzinfo is None:
        collected = collected.replace(tzinfo=UTC)
    measurements = {k: tuple(v) if isinstance(v, list) else v for k, v in body.measurements.items()}
    with ctx.uow() as uow:
        outcome = pathway.record_cbc(
            uow,
            me.actor,
            case_id,
            collected_at=collected,
            measurements=measurements,
            laboratory=body.laboratory,
        )
    return {
        "record_id": outcome.record.id,
        "flags": codec.dump(outcome.flags),
        "suggestions": [s.text for s in outcome.suggestions],
    }


@router.post("/cases/{case_id}/safety-preview")
async def safety_preview(request: Request, ctx: Ctx, me: Checklist, case_id: int) -> dict[str, Any]:
    """Safety findings of a pre-procedure checklist as filled in so far (nothing saved).

    Takes the checklist form's fields (form-encoded), as the live checklist sends them.
    """
    findings = preview_findings(ctx, me, case_id, await request.form())
    worst = overall(findings)
    return {"findings": findings_payload(findings), "overall": worst.value if worst else None}
