"""Exchange with hospital systems over the JSON API: the case as a FHIR R4 Bundle or an HL7
v2.5.1 ORU^R01 (both audited), and a blood count received as FHIR Observations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from marrowscope.bootstrap import export_site
from marrowscope.domain.roles import Role
from marrowscope.services import interop
from marrowscope.services.cases import codec
from marrowscope.web.deps import (
    Ctx,
    SignedIn,
    require,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

Clinical = Annotated[SignedIn, Depends(require(Role.CLINICIAN, Role.NURSE, Role.PROCEDURALIST))]
Exporter = Annotated[SignedIn, Depends(require(*interop.EXPORTERS))]


@router.get("/cases/{case_id}/fhir")
def case_fhir(ctx: Ctx, me: Exporter, case_id: int) -> Any:
    """The case as a FHIR R4 Bundle (the export is audited)."""
    with ctx.uow() as uow:
        return interop.export_case_fhir(
            uow, me.actor, case_id, stores=ctx.stores, site=export_site(ctx.settings)
        )


@router.get("/cases/{case_id}/hl7")
def case_hl7(ctx: Ctx, me: Exporter, case_id: int) -> Response:
    """The report as an HL7 v2.5.1 ORU^R01 message (ER7 text; the export is audited)."""
    with ctx.uow() as uow:
        text = interop.export_case_hl7(
            uow,
            me.actor,
            case_id,
            stores=ctx.stores,
            facility=ctx.settings.hl7_facility,
            site=export_site(ctx.settings),
        )
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
