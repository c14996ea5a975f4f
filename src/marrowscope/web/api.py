"""The JSON API for integration, behind the same sign-in and role checks as the pages.

A client signs in once (``POST /api/session`` or the sign-in page), keeps the session
cookie, and sends the CSRF token it was given in the ``X-CSRF-Token`` header of every
request that changes something. The OpenAPI description is at ``/openapi.json``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from marrowscope.domain.errors import AuthenticationFailed
from marrowscope.domain.pathway.safety import overall
from marrowscope.domain.roles import Role
from marrowscope.services import counting, interop, lab, pathway
from marrowscope.services.accounts import AuthService
from marrowscope.services.cases import codec, get_case, get_patient, list_cases, load_case_record
from marrowscope.web.client_address import client_address
from marrowscope.web.counting.counter import count_payload
from marrowscope.web.deps import (
    ALL_ROLES,
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    STAFF,
    Ctx,
    SignedIn,
    require,
)
from marrowscope.web.pathway.nursing import WARD, findings_payload, preview_findings

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

Anyone = Annotated[SignedIn, Depends(require(*ALL_ROLES))]
Staff = Annotated[SignedIn, Depends(require(*STAFF))]
Checklist = Annotated[SignedIn, Depends(require(*WARD, Role.CLINICIAN))]
Clinical = Annotated[SignedIn, Depends(require(Role.CLINICIAN, Role.NURSE, Role.PROCEDURALIST))]
LabStaff = Annotated[SignedIn, Depends(require(Role.LAB_SCIENTIST, Role.PATHOLOGIST))]
Exporter = Annotated[SignedIn, Depends(require(*interop.EXPORTERS))]
Reader = Annotated[SignedIn, Depends(require(*counting.READING_ROLES))]


class Credentials(BaseModel):
    """Username and password for an API session."""

    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


@router.post("/session")
def api_sign_in(request: Request, ctx: Ctx, body: Credentials) -> Response:
    """Sign in for the API: sets the session cookie and returns the CSRF token.

    Refused when a browser's sign-in cookie is present without its token, so that a
    page on another site cannot sign a visitor in through this endpoint.
    """
    if request.cookies.get(PRE_SESSION_COOKIE) and not AuthService.csrf_matches(
        request.cookies.get(PRE_SESSION_COOKIE, ""), request.headers.get("x-csrf-token")
    ):
        raise AuthenticationFailed("sign in through the sign-in page in a browser")
    client = client_address(request, ctx.settings.trusted_proxy_set)
    session = ctx.auth.sign_in(body.username, body.password, client)
    response = JSONResponse(
        {
            "username": session.user.username,
            "role": session.user.role.value,
            "csrf_token": session.csrf_token,
        }
    )
    response.set_cookie(
        SESSION_COOKIE,
        ctx.cookies.dumps(session.token, salt="session"),
        httponly=True,
        samesite="lax",
        secure=ctx.settings.environment != "development",
    )
    return response


@router.get("/me")
def whoami(me: Anyone) -> dict[str, Any]:
    """The signed-in person, their role and the CSRF token for writes."""
    return {
        "username": me.user.username,
        "display_name": me.user.display_name,
        "role": me.user.role.value,
        "patient_id": me.user.patient_id,
        "csrf_token": me.csrf,
    }


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


class CbcIn(BaseModel):
    """A blood count: ``{"hb": [9.2, "g/dL"], "platelets": 64, ...}`` and when it was taken."""

    collected_at: datetime
    measurements: dict[str, Any]
    laboratory: str = ""


@router.post("/cases/{case_id}/cbc")
def post_cbc(ctx: Ctx, me: Clinical, case_id: int, body: CbcIn) -> dict[str, Any]:
    """Record a blood count; answers with its flags and the indications it suggests."""
    collected = body.collected_at
    if collected.tzinfo is None:
        collected = collected.replace(tzinfo=UTC)
    measurements = {k: tuple(v) if isinstance(v, list) else v for k, v in body.measurements.items()}
    with ctx.uow() as uow:
        outcome = pathway.record_cbc(
            uow,
            me.actor,
            case_id,
            collected_at=collected,
            measurements=measurements,
            laboratory=body.laboratory,
        )
    return {
        "record_id": outcome.record.id,
        "flags": codec.dump(outcome.flags),
        "suggestions": [s.text for s in outcome.suggestions],
    }


@router.get("/cases/{case_id}/fhir")
def case_fhir(ctx: Ctx, me: Exporter, case_id: int) -> Any:
    """The case as a FHIR R4 Bundle (the export is audited)."""
    with ctx.uow() as uow:
        return interop.export_case_fhir(uow, me.actor, case_id, stores=ctx.stores)


@router.get("/cases/{case_id}/hl7")
def case_hl7(ctx: Ctx, me: Exporter, case_id: int) -> Response:
    """The report as an HL7 v2.5.1 ORU^R01 message (ER7 text; the export is audited)."""
    with ctx.uow() as uow:
        text = interop.export_case_hl7(uow, me.actor, case_id, stores=ctx.stores)
    return Response(text, media_type="x-application/hl7-v2+er7")


@router.post("/cases/{case_id}/cbc/fhir")
def post_cbc_fhir(ctx: Ctx, me: Clinical, case_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Record a CBC sent as FHIR Observations (a Bundle or one Observation)."""
    with ctx.uow() as uow:
        outcome = interop.import_fhir_cbc(uow, me.actor, case_id, body)
    return {
        "record_id": outcome.record.id,
        "flags": codec.dump(outcome.flags),
        "suggestions": [s.text for s in outcome.suggestions],
    }


@router.get("/lab/overdue")
def lab_overdue(ctx: Ctx, me: LabStaff) -> Any:
    """Tests past their turnaround target, most overdue first."""
    with ctx.uow() as uow:
        late = lab.overdue_tests(uow, me.actor)
    return codec.dump(late)


@router.get("/cases/{case_id}/counts")
def case_counts(ctx: Ctx, me: Reader, case_id: int) -> dict[str, Any]:
    """Every slide counted for a case, and the slides merged."""
    with ctx.uow() as uow:
        get_case(uow, me.actor, case_id)
        slides = counting.counts_for_case(uow, ctx.stores, me.actor, case_id)
    merged = counting.merged_counts(slides)
    summary = counting.summarise(merged)
    return {
        "slides": [count_payload(s) for s in slides],
        "merged": {
            "counts": {c.value: n for c, n in merged.items()},
            "nucleated_cells": summary.nucleated_cells,
            "percentages": {c.value: p for c, p in summary.percentages.items()},
            "me_ratio": summary.me_ratio,
            "flags": list(summary.flags),
        },
    }


@router.post("/cases/{case_id}/safety-preview")
async def safety_preview(request: Request, ctx: Ctx, me: Checklist, case_id: int) -> dict[str, Any]:
    """Safety findings of a pre-procedure checklist as filled in so far (nothing saved).

    Takes the checklist form's fields (form-encoded), as the live checklist sends them.
    """
    findings = preview_findings(ctx, me, case_id, await request.form())
    worst = overall(findings)
    return {"findings": findings_payload(findings), "overall": worst.value if worst else None}


@router.get("/counts/{count_id}")
def get_count(ctx: Ctx, me: Reader, count_id: int) -> dict[str, object]:
    """One slide's count with its live figures."""
    with ctx.uow() as uow:
        count = counting.get_count(uow, ctx.stores, me.actor, count_id)
    return count_payload(count)
