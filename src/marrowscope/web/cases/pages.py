"""The patient's page for staff: every examination of the patient in time order, and
the next one opened from there or by MRN and date of birth.

A marrow is rarely examined once; the clinician opens the remission or pre-transplant
marrow on the same patient record instead of registering the patient again. Finding the
patient takes the date of birth as well as the MRN, so a mistyped MRN opens nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Role
from marrowscope.services.cases import get_patient, open_case, open_next_case
from marrowscope.services.reporting import case_list
from marrowscope.web.deps import STAFF, Ctx, SignedIn, require
from marrowscope.web.errors import status_of
from marrowscope.web.form_state import field_error, is_form_refusal
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(tags=["cases"])

Staff = Annotated[SignedIn, Depends(require(*STAFF))]
Opener = Annotated[SignedIn, Depends(require(Role.CLINICIAN, Role.PROCEDURALIST))]

# where each role works on one case (roles without a case page get no link)
_CASE_PAGES = {
    Role.CLINICIAN: "/clinician/cases/",
    Role.PROCEDURALIST: "/nursing/cases/",
    Role.NURSE: "/nursing/cases/",
    Role.MORPHOLOGIST: "/counter/cases/",
    Role.PATHOLOGIST: "/pathologist/cases/",
}


def _page(
    request: Request, ctx: Ctx, me: SignedIn, patient_id: int, status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    with ctx.uow() as uow:
        patient = get_patient(uow, me.actor, patient_id)
        rows = case_list(uow, me.actor, patient_id=patient_id)
    return render(
        request,
        "patient_cases.html",
        me,
        status_code=status_code,
        patient=patient,
        rows=rows,
        link=_CASE_PAGES.get(me.user.role, ""),
        can_open=me.user.role in (Role.CLINICIAN, Role.PROCEDURALIST),
        errors=errors or {},
    )


@router.get("/patients/{patient_id}")
def patient_page(request: Request, ctx: Ctx, me: Staff, patient_id: int) -> Response:
    """Every examination of the patient, oldest first."""
    return _page(request, ctx, me, patient_id)


@router.post("/patients/{patient_id}/cases")
def open_examination(request: Request, ctx: Ctx, me: Opener, patient_id: int) -> Response:
    """Open the patient's next examination; the clinician then orders it."""
    with ctx.uow() as uow:
        case = open_case(uow, me.actor, patient_id)
    return redirect(f"{_CASE_PAGES[me.user.role]}{case.id}")


@router.post("/patients/next-case")
def open_by_mrn(
    request: Request,
    ctx: Ctx,
    me: Opener,
    mrn: Annotated[str, Form(max_length=32)],
    birth_date: Annotated[str, Form()],
) -> Response:
    """The next examination of a registered patient found by MRN and date of birth; a
    refusal comes back on the clinician's list beside its field."""
    try:
        try:
            born = date.fromisoformat(birth_date)
        except ValueError:
            raise InvalidInput("birth_date: give a date (YYYY-MM-DD)") from None
        with ctx.uow() as uow:
            case = open_next_case(uow, me.actor, mrn, born)
    except MarrowscopeError as error:
        if not is_form_refusal(error) and status_of(error)[0] != 404:
            raise
        field, message = field_error(error, {"mrn", "birth_date"})
        with ctx.uow() as uow:
            rows = case_list(uow, me.actor)
        return render(
            request, "area_cases.html", me, status_code=status_of(error)[0],
            title="Blood counts & orders", rows=rows, link=_CASE_PAGES[me.user.role],
            register=me.user.role is Role.CLINICIAN, patient_link=True,
            next_form={"mrn": mrn, "birth_date": birth_date}, next_errors={field: message},
        )  # fmt: skip
    return redirect(f"{_CASE_PAGES[me.user.role]}{case.id}")
