"""Laboratory: accessioning, worklists per test, status changes, the overdue board."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from marrowscope.domain.roles import Role
from marrowscope.services.patients import get_patient, list_cases
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import render

__all__ = ["router"]

router = APIRouter(prefix="/lab", tags=["lab"])

Lab = Annotated[SignedIn, Depends(require(Role.LAB_SCIENTIST))]


@router.get("")
def lab_home(request: Request, ctx: Ctx, me: Lab) -> Response:
    """Cases with specimens to accession."""
    with ctx.uow() as uow:
        rows = [(c, get_patient(uow, me.actor, c.patient_id)) for c in list_cases(uow, me.actor)]
    return render(
        request, "area_cases.html", me, title="Accessioning", rows=rows, link="/lab/cases/"
    )


@router.get("/overdue")
def overdue(request: Request, ctx: Ctx, me: Lab) -> Response:
    """Tests past their turnaround target."""
    return render(request, "area_cases.html", me, title="Overdue board", rows=[], link="")
