"""JSON API of specimens and laboratory tests: the twins of the ward's
specimen form and of the laboratory pages, with the same roles and the same services.

- ``POST /api/cases/{case_id}/specimens``: nurse and proceduralist (the nursing page).
- ``POST /api/lab/receive``, ``.../tests/{id}/state``, ``.../tests/{id}/result``: the
  laboratory scientist (the lab pages).
- ``POST /api/lab/tests/{id}/verify``: laboratory scientist or pathologist (the lab page
  and the pathologist's case page); the service refuses the person who entered it.

A result is the structured object the page's form builds (``{"iscn": ...,
"metaphases_analysed": 20}`` for a karyotype, ``{"probes": [...]}`` for FISH...); the
service validates it, so a bad field is a 422 naming the field. Every write is audited
by the service in its own transaction; the session cookie and ``X-CSRF-Token`` are
required as on every API write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, Field

from marrowscope.domain.roles import Role
from marrowscope.services import lab
from marrowscope.web.api_models import LabTestOut
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pathway.nursing import WARD

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["laboratory"])

Ward = Annotated[SignedIn, Depends(require(*WARD))]
Lab = Annotated[SignedIn, Depends(require(Role.LAB_SCIENTIST))]
Verifier = Annotated[SignedIn, Depends(require(Role.LAB_SCIENTIST, Role.PATHOLOGIST))]


class SpecimenIn(BaseModel):
    """A collected specimen: its kind and the tests it goes to."""

    kind: str = Field(max_length=40, description="e.g. aspirate_edta, trephine_core")
    tests: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=20)
    collected_at: AwareDatetime | None = Field(default=None, description="default: now")
    notes: str = Field(default="", max_length=2000)


class SpecimenOut(BaseModel):
    """The registered specimen with its accession number and its tests (collected)."""

    id: int
    case_id: int
    accession: str
    kind: str
    collected_at: datetime
    tests: list[LabTestOut]


class ReceiveIn(BaseModel):
    """The accession number read from the label."""

    accession: str = Field(max_length=32)


class ReceivedOut(BaseModel):
    """The specimen received and the tests that moved to ``received``."""

    accession: str
    tests: list[LabTestOut]


class StateIn(BaseModel):
    """The state to move to (reject and cancel need a reason)."""

    state: str = Field(max_length=32, description="e.g. in_process, rejected, cancelled")
    reason: str = Field(default="", max_length=500)


class ResultIn(BaseModel):
    """A structured result; a correction of a posted result needs its reason."""

    result: dict[str, Any]
    correction_reason: str = Field(default="", max_length=500)


class ResultOut(BaseModel):
    """The test after the result, and the result version stored."""

    test: LabTestOut
    result_id: int
    version: int
    payload: dict[str, Any]


@router.post("/cases/{case_id}/specimens", status_code=201)
def collect(ctx: Ctx, me: Ward, case_id: int, body: SpecimenIn) -> SpecimenOut:
    """Register a collected specimen with the tests it goes to (a new accession number)."""
    with ctx.uow() as uow:
        got = lab.collect_specimen(
            uow,
            me.actor,
            case_id,
            kind=body.kind,
            tests=body.tests,
            collected_at=body.collected_at,
            notes=body.notes,
        )
    s = got.specimen
    return SpecimenOut(
        id=s.id,
        case_id=s.case_id,
        accession=s.accession,
        kind=s.kind.value,
        collected_at=s.collected_at,
        tests=[LabTestOut.of(t) for t in got.tests],
    )


@router.post("/lab/receive")
def receive(ctx: Ctx, me: Lab, body: ReceiveIn) -> ReceivedOut:
    """The specimen's label was scanned: it and its collected tests are received."""
    with ctx.uow() as uow:
        moved = lab.receive_specimen(uow, me.actor, body.accession)
    return ReceivedOut(accession=body.accession.strip(), tests=[LabTestOut.of(t) for t in moved])


@router.post("/lab/tests/{test_id}/state")
def change_state(ctx: Ctx, me: Lab, test_id: int, body: StateIn) -> LabTestOut:
    """Move a test to another state; a move the state machine forbids is a 409."""
    with ctx.uow() as uow:
        moved = lab.advance_test(uow, me.actor, test_id, body.state, reason=body.reason)
    return LabTestOut.of(moved)


@router.post("/lab/tests/{test_id}/result")
def post_result(ctx: Ctx, me: Lab, test_id: int, body: ResultIn) -> ResultOut:
    """Post the result of an in-process test, or correct a posted one (with a reason)."""
    with ctx.uow() as uow:
        test, version, _result = lab.post_result(
            uow, me.actor, test_id, body.result, correction_reason=body.correction_reason
        )
    return ResultOut(
        test=LabTestOut.of(test),
        result_id=version.id,
        version=version.version,
        payload=dict(version.payload),
    )


@router.post("/lab/tests/{test_id}/verify")
def verify(ctx: Ctx, me: Verifier, test_id: int) -> LabTestOut:
    """Verify the current result (four eyes: the person who entered it cannot)."""
    with ctx.uow() as uow:
        moved = lab.verify_result(uow, me.actor, test_id)
    return LabTestOut.of(moved)
