"""The signed report's PDF for the clinician who ordered the case, on their page and in
the JSON API.

Routers only: the rule (that clinician, that case, a signed version, an audited read)
is ``services.reporting.ordering_clinician_pdf``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from marrowscope.domain.roles import Role
from marrowscope.services import reporting
from marrowscope.web.deps import Ctx, SignedIn, require

__all__ = ["router"]

router = APIRouter(tags=["clinician"])

Clinician = Annotated[SignedIn, Depends(require(Role.CLINICIAN))]

_PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


def _pdf(ctx: Ctx, me: SignedIn, case_id: int) -> Response:
    with ctx.uow() as uow:
        version, pdf = reporting.ordering_clinician_pdf(uow, me.actor, case_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="case-{case_id}-report-v{version}.pdf"'},
    )


@router.get("/clinician/cases/{case_id}/report.pdf", response_class=Response, responses=_PDF)
def clinician_report_pdf(ctx: Ctx, me: Clinician, case_id: int) -> Response:
    """The newest signed version exactly as signed, for the clinician who ordered the case."""
    return _pdf(ctx, me, case_id)


@router.get("/api/cases/{case_id}/report/ordered.pdf", response_class=Response, responses=_PDF)
def clinician_report_pdf_api(ctx: Ctx, me: Clinician, case_id: int) -> Response:
    """The newest signed version's PDF exactly as signed, for the clinician who ordered the
    case (403 for another clinician; 409 before sign-out)."""
    return _pdf(ctx, me, case_id)
