"""The JSON API of the laboratory's overdue board: tests past their turnaround target."""

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
