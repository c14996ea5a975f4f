"""The JSON API of cases: the case list (a patient gets only their own), one case with its
patient, the whole case record, and a patient's examinations in time order with the
next one opened (by patient, or by MRN and date of birth)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from marrowscope.domain.cases.model import Case
from marrowscope.domain.roles import Role
from marrowscope.services.cases import (
    codec,
    get_case,
    get_patient,
    list_cases,
    load_case_record,
    open_case,
    open_next_case,
    patient_cases,
)
from marrowscope.web.deps import (
    ALL_ROLES,
    STAFF,
    Ctx,
    SignedIn,
    require,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

Anyone = Annotated[SignedIn, Depends(require(*ALL_ROLES))]
Staff = Annotated[SignedIn, Depends(require(*STAFF))]
Opener = Annotated[SignedIn, Depends(require(Role.CLINICIAN, Role.PROCEDURALIST))]


class NextCaseIn(BaseModel):
    """The patient of the next examination: MRN and date of birth, never an internal id."""

    mrn: str = Field(max_length=32)
    birth_date: date


def _case_out(c: Case) -> dict[str, Any]:
    return {
        "id": c.id,
        "patient_id": c.patient_id,
        "status": c.status.value,
        "opened_at": c.opened_at.isoformat(),
    }


@router.get("/cases")
def cases(ctx: Ctx, me: Anyone) -> list[dict[str, Any]]:
    """Examination cases, newest first; a patient gets only their own."""
    with ctx.uow() as uow:
        found = list_cases(uow, me.actor)
    return [_case_out(c) for c in found]


@router.get("/patients/{patient_id}/cases")
def patient_examinations(ctx: Ctx, me: Anyone, patient_id: int) -> list[dict[str, Any]]:
    """The patient's examinations, oldest first (a patient gets only their own)."""
    with ctx.uow() as uow:
        found = patient_cases(uow, me.actor, patient_id)
    return [_case_out(c) for c in found]


@router.post("/patients/{patient_id}/cases", status_code=201)
def open_examination(ctx: Ctx, me: Opener, patient_id: int) -> dict[str, Any]:
    """Open the patient's next examination."""
    with ctx.uow() as uow:
        case = open_case(uow, me.actor, patient_id)
    return _case_out(case)


@router.post("/cases/next", status_code=201)
def open_next(ctx: Ctx, me: Opener, body: NextCaseIn) -> dict[str, Any]:
    """Open the next examination of the patient with this MRN and date of birth (404 if
    either does not match)."""
    with ctx.uow() as uow:
        case = open_next_case(uow, me.actor, body.mrn, body.birth_date)
    return _case_out(case)


@router.get("/cases/{case_id}")
def case_detail(ctx: Ctx, me: Staff, case_id: int) -> dict[str, Any]:
    """One case with its patient."""
    with ctx.uow() as uow:
        case = get_case(uow, me.actor, case_id)
        patient = get_patient(uow, me.actor, case.patient_id)
    return {
        "id": case.id,
        "status": case.status.value,
        "patient": {
            "id": patient.id,
            "mrn": patient.mrn,
            "name": patient.display_name,
            "birth_date": patient.birth_date.isoformat(),
            "sex": patient.sex.value,
        },
    }


@router.get("/cases/{case_id}/record")
def case_record(ctx: Ctx, me: Staff, case_id: int) -> Any:
    """The whole case: patient, every record version, specimens, tests, results."""
    with ctx.uow() as uow:
        record = load_case_record(uow, me.actor, case_id)
    return codec.dump(record)
