"""The patient's own pages: preparation, aftercare, follow-up check-in, released results.

A patient account is tied to one patient record; any other record answers 403 before
anything is looked up, so the answer does not even reveal whether it exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from marrowscope.domain.errors import PermissionDenied
from marrowscope.domain.roles import Role
from marrowscope.services.patients import get_patient, list_cases
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import render

__all__ = ["router"]

router = APIRouter(prefix="/patient", tags=["patient"])

Patient = Annotated[SignedIn, Depends(require(Role.PATIENT))]


def _own(me: SignedIn, patient_id: int) -> None:
    if me.user.patient_id != patient_id:
        raise PermissionDenied("you can only open your own pages")


@router.get("/{patient_id}")
def patient_home(request: Request, ctx: Ctx, me: Patient, patient_id: int) -> Response:
    """Everything the patient needs, in plain language."""
    _own(me, patient_id)
    with ctx.uow() as uow:
        patient = get_patient(uow, me.actor, patient_id)
        cases = list_cases(uow, me.actor)
    return render(request, "patient_home.html", me, patient=patient, cases=cases)
