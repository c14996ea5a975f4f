"""Nurse and proceduralist: pre-procedure checklist, consent, procedure record, labels."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from marrowscope.domain.roles import Role
from marrowscope.services.patients import get_patient, list_cases
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import render

__all__ = ["router"]

router = APIRouter(prefix="/nursing", tags=["nursing"])

Ward = Annotated[SignedIn, Depends(require(Role.NURSE, Role.PROCEDURALIST))]


@router.get("")
def nursing_home(request: Request, ctx: Ctx, me: Ward) -> Response:
    """Cases awaiting or having a procedure."""
    with ctx.uow() as uow:
        rows = [(c, get_patient(uow, me.actor, c.patient_id)) for c in list_cases(uow, me.actor)]
    return render(
        request, "area_cases.html", me, title="Procedures", rows=rows, link="/nursing/cases/"
    )
