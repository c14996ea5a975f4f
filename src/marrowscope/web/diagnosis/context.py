"""The diagnosis's inputs a person enters: the form on the pathologist's page and its
JSON twin.

``POST /pathologist/cases/{id}/diagnosis/context`` takes the whole form; a refused entry
brings the page back (422) with every message beside its field and every value as typed.
``PUT /api/cases/{id}/diagnosis/context`` takes the same fields as JSON and answers with
the stored values and the recomputed panel; ``GET`` reads the stored values. The web
admits the pathologist, whose page holds the form (the use case would also take a
morphologist's entry, for a morphologist's page to come).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response

from marrowscope.domain.diagnosis.context import FieldErrors, context_fields
from marrowscope.domain.roles import Role
from marrowscope.services.cases import get_case
from marrowscope.services.diagnosis import (
    DIAGNOSIS_ROLES,
    case_diagnosis,
    diagnostic_context,
    record_diagnostic_context,
)
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.diagnosis.views import diagnosis_json
from marrowscope.web.pages import redirect
from marrowscope.web.reporting.pathologist import _case_page as case_page

__all__ = ["router"]

router = APIRouter(tags=["diagnosis"])

Pathologist = Annotated[SignedIn, Depends(require(Role.PATHOLOGIST))]
Reader = Annotated[SignedIn, Depends(require(*DIAGNOSIS_ROLES))]


@router.post("/pathologist/cases/{case_id}/diagnosis/context")
async def save_context(request: Request, ctx: Ctx, me: Pathologist, case_id: int) -> Response:
    """Store the form as the new version, or show every refusal beside its field."""
    form = await request.form()
    typed = {f.key: str(form.get(f.key, "")).strip() for f in context_fields()}
    try:
        with ctx.uow() as uow:
            record_diagnostic_context(uow, me.actor, case_id, typed)
    except FieldErrors as refused:
        return case_page(
            request, ctx, me, case_id, 422,
            context_values=typed, context_errors=refused.errors,
        )  # fmt: skip
    return redirect(f"/pathologist/cases/{case_id}#diagnosis")


@router.get("/api/cases/{case_id}/diagnosis/context")
def get_context(ctx: Ctx, me: Reader, case_id: int) -> dict[str, Any]:
    """The values entered (a field not entered is not assessed)."""
    with ctx.uow() as uow:
        get_case(uow, me.actor, case_id)  # 404 for a case that does not exist
        return {"values": diagnostic_context(uow, case_id)}


@router.put("/api/cases/{case_id}/diagnosis/context")
def put_context(
    ctx: Ctx, me: Pathologist, case_id: int, values: Annotated[dict[str, Any], Body(embed=True)]
) -> dict[str, Any]:
    """Replace the entered values (omitted = not assessed); the panel as recomputed."""
    with ctx.uow() as uow:
        record = record_diagnostic_context(uow, me.actor, case_id, values)
    with ctx.uow() as uow:
        diagnosis = case_diagnosis(uow, ctx.stores, me.actor, case_id)
    return {"values": dict(record.payload["values"]), "diagnosis": diagnosis_json(diagnosis)}
