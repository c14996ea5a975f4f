"""The JSON API of the laboratory's overdue board (tests past their turnaround target) and
of the tests ordered but not yet received."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from marrowscope.domain.roles import Role
from marrowscope.services import lab
from marrowscope.services.cases import codec
from marrowscope.web.deps import (
    Ctx,
    SignedIn,
    require,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

LabStaff = Annotated[SignedIn, Depends(require(Role.LAB_SCIENTIST, Role.PATHOLOGIST))]


@router.get("/lab/overdue")
def lab_overdue(ctx: Ctx, me: LabStaff) -> Any:
    """Tests past their turnaround target, most overdue first."""
    with ctx.uow() as uow:
        late = lab.overdue_tests(uow, me.actor)
    return codec.dump(late)


@router.get("/lab/awaited")
def lab_awaited(ctx: Ctx, me: LabStaff) -> Any:
    """Tests ordered on open cases with no specimen received yet, oldest case first; each
    says whether a tube carrying it was collected and is on its way."""
    with ctx.uow() as uow:
        waiting = lab.awaited(uow, me.actor)
    return [
        {"case_id": a.case_id, "test": a.item.value, "label": a.label, "collected": a.collected}
        for a in waiting
    ]
