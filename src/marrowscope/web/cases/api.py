"""The JSON API of cases: the case list (a patient gets only their own), one case with its
patient, and the whole case record."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from marrowscope.services.cases import codec, get_case, get_patient, list_cases, load_case_record
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


@router.get("/cases")
def cases(ctx: Ctx, me: Anyone) -> list[dict[str, Any]]:
    """Examination cases, newest first; a patient gets only their own."""
    with ctx.uow() as uow:
        found = list_cases(uow, me.actor)
    return [
        {
            "id": c.id,
            "patient_id": c.patient_id,
            "status": c.status.value,
            "opened_at": c.opened_at.isoformat(),
        }
        for c in found
    ]


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
