"""Laboratory: accessioning by scanned number, a worklist per test, status changes,
results, verification, and the overdue board against turnaround targets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from marrowscope.domain.errors import InvalidInput, NotFound
from marrowscope.domain.lab import (
    Specimen,
    TestState,
    TestType,
    result_table,
    test_label,
    turnaround_hours,
)
from marrowscope.domain.roles import Role
from marrowscope.services import lab
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.lab.forms import (
    FISH_ROWS,
    VARIANT_CLASSES,
    VARIANT_ROWS,
    field_of,
    form_values,
    read_result_form,
)
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/lab", tags=["lab"])

Lab = Annotated[SignedIn, Depends(require(Role.LAB_SCIENTIST))]
Verifier = Annotated[SignedIn, Depends(require(Role.LAB_SCIENTIST, Role.PATHOLOGIST))]

# What a new result form starts from (the rest is left for the scientist to type).
_DEFAULTS: dict[TestType, dict[str, str]] = {
    TestType.KARYOTYPE: {"metaphases_analysed": "20"},
    TestType.CULTURE: {"incubation_days": "5"},
}


def _patients(uow: UnitOfWork, specimens: list[Specimen | None]) -> dict[int, Any]:
    """Case id -> (case, patient) for the specimens shown: people read names, not numbers."""
    out: dict[int, Any] = {}
    for specimen in specimens:
        if specimen is None or specimen.case_id in out:
            continue
        case = uow.cases.get(specimen.case_id)
        patient = uow.patients.get(case.patient_id) if case is not None else None
        out[specimen.case_id] = (case, patient)
    return out


def _worklist_page(
    request: Request,
    ctx: Ctx,
    me: SignedIn,
    chosen: TestType,
    status_code: int = 200,
    typed: dict[int, Mapping[str, str]] | None = None,
    errors: dict[int, dict[str, str]] | None = None,
) -> Response:
    with ctx.uow() as uow:
        tests = [t for t in uow.pathway.open_tests() if t.test_type is chosen]
        rows = []
        for t in tests:
            specimen = uow.pathway.get_specimen(t.specimen_id)
            rows.append((t, specimen, uow.pathway.current_result(t.id)))
        people = _patients(uow, [s for _, s, _ in rows])
    values = {
        t.id: dict((typed or {}).get(t.id) or (
            form_values(chosen, r.payload) if r else _DEFAULTS.get(chosen, {})
        ))
        for t, _, r in rows
    }  # fmt: skip
    return render(
        request,
        "lab_worklist.html",
        me,
        status_code=status_code,
        test_type=chosen,
        test_label=test_label(chosen),
        rows=rows,
        people=people,
        values=values,
        errors=errors or {},
        result_table=result_table,
        fish_rows=range(FISH_ROWS),
        variant_rows=range(VARIANT_ROWS),
        variant_classes=VARIANT_CLASSES,
        states=[s for s in TestState if s not in (TestState.RESULTED, TestState.VERIFIED)],
        target_hours=turnaround_hours(chosen),
    )


@router.get("")
def lab_home(request: Request, ctx: Ctx, me: Lab) -> Response:
    """Accessioning, the worklists with how many tests wait in each, and what was ordered
    but not yet received."""
    with ctx.uow() as uow:
        open_tests = list(uow.pathway.open_tests())
        awaited = lab.awaited(uow, me.actor)
    waiting = {t: sum(1 for x in open_tests if x.test_type is t) for t in TestType}
    return render(request, "lab_home.html", me, waiting=waiting, awaited=awaited)


@router.post("/receive")
def receive(
    request: Request, ctx: Ctx, me: Lab, accession: Annotated[str, Form(max_length=32)]
) -> Response:
    """The specimen's label was scanned: it and its tests are received."""
    with ctx.uow() as uow:
        moved = lab.receive_specimen(uow, me.actor, accession)
        open_tests = list(uow.pathway.open_tests())
        awaited = lab.awaited(uow, me.actor)
    waiting = {t: sum(1 for x in open_tests if x.test_type is t) for t in TestType}
    return render(
        request, "lab_home.html", me, waiting=waiting, awaited=awaited,
        received=accession.strip(), moved=moved,
    )  # fmt: skip


@router.get("/worklists/{test_type}")
def worklist(request: Request, ctx: Ctx, me: Lab, test_type: str) -> Response:
    """Open tests of one kind, oldest first, with their specimens and patients."""
    try:
        chosen = TestType(test_type)
    except ValueError:
        raise InvalidInput(f"test type: one of {', '.join(t.value for t in TestType)}") from None
    return _worklist_page(request, ctx, me, chosen)


@router.post("/tests/{test_id}/state")
def change_state(
    ctx: Ctx,
    me: Lab,
    test_id: int,
    state: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=500)] = "",
    back: Annotated[str, Form()] = "/lab",
) -> Response:
    """Move a test to another state (reject and cancel need a reason)."""
    with ctx.uow() as uow:
        lab.advance_test(uow, me.actor, test_id, state, reason=reason)
    return redirect(back if back.startswith("/lab") else "/lab")


@router.post("/tests/{test_id}/result")
async def post_result(request: Request, ctx: Ctx, me: Lab, test_id: int) -> Response:
    """Post (or correct) a test's result from its structured form.

    A refusal comes back on the worklist with the message next to its field and every
    value as typed. (A ``result`` field holding JSON is still read, for scripts.)
    """
    form = await request.form()
    typed = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    back = typed.get("back", "/lab")
    with ctx.uow() as uow:
        test = uow.pathway.get_test(test_id)
    if test is None:
        raise NotFound(f"no test {test_id} was ordered")
    if "result" in typed:
        try:
            data = json.loads(typed["result"])
        except json.JSONDecodeError as error:
            raise InvalidInput(f"result: not valid JSON ({error.msg})") from None
        if not isinstance(data, dict):
            raise InvalidInput("result: a JSON object is expected")
        errors: dict[str, str] = {}
    else:
        data, errors = read_result_form(test.test_type, typed)
    if not errors:
        try:
            with ctx.uow() as uow:
                lab.post_result(
                    uow, me.actor, test_id, data,
                    correction_reason=typed.get("correction_reason", ""),
                )  # fmt: skip
        except InvalidInput as error:
            field, message = field_of(str(error))
            errors = {field: message}
    if errors:
        return _worklist_page(
            request, ctx, me, test.test_type, 422, typed={test_id: typed}, errors={test_id: errors}
        )
    return redirect(back if back.startswith("/lab") else "/lab")


@router.post("/tests/{test_id}/verify")
def verify(ctx: Ctx, me: Verifier, test_id: int, back: Annotated[str, Form()] = "/lab") -> Response:
    """Verify the current result (a second person: the one who entered it cannot)."""
    with ctx.uow() as uow:
        lab.verify_result(uow, me.actor, test_id)
    return redirect(back if back.startswith(("/lab", "/pathologist")) else "/lab")


@router.get("/overdue")
def overdue(request: Request, ctx: Ctx, me: Lab) -> Response:
    """Tests past their turnaround target, most overdue first, with the patient."""
    with ctx.uow() as uow:
        late = lab.overdue_tests(uow, me.actor)
        specimens = {t.test.specimen_id: uow.pathway.get_specimen(t.test.specimen_id) for t in late}
        people = _patients(uow, list(specimens.values()))
    return render(
        request,
        "lab_overdue.html",
        me,
        late=late,
        specimens=specimens,
        people=people,
        test_label=test_label,
        now=datetime.now(UTC),
    )
