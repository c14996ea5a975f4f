"""Pathologist: the integrated case view, the report editor and sign-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from marrowscope.domain.roles import Role
from marrowscope.services.patients import get_patient, list_cases
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import render

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
