"""Clinician: blood counts with their flags, and the marrow order with its indication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from marrowscope.domain.roles import Role
from marrowscope.services.patients import get_patient, list_cases
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import render

__all__ = ["router"]

router = APIRouter(prefix="/clinician", tags=["clinician"])

Clinician = Annotated[SignedIn, Depends(require(Role.CLINICIAN))]


@router.get("")
def clinician_home(request: Request, ctx: Ctx, me: Clinician) -> Response:
    """The clinician's cases."""
    with ctx.uow() as uow:
        rows = [(c, get_patient(uow, me.actor, c.patient_id)) for c in list_cases(uow, me.actor)]
    return render(
        request,
        "area_cases.html",
        me,
        title="Blood counts & orders",
        rows=rows,
        link="/clinician/cases/",
    )
