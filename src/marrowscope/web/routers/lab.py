"""Laboratory: accessioning by scanned number, a worklist per test, status changes,
results, verification, and the overdue board against turnaround targets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Role
from marrowscope.domain.specimen import TestState, TestType, turnaround_hours
from marrowscope.services import laboratory
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/lab", tags=["lab"])

Lab = Annotated[SignedIn, Depends(require(Role.LAB_SCIENTIST))]
Verifier = Annotated[SignedIn, Depends(require(Role.LAB_SCIENTIST, Role.PATHOLOGIST))]

# What a result form starts from, per test (the fields ``domain.lab_tests`` reads).
_TEMPLATES: dict[TestType, dict[str, Any]] = {
    TestType.KARYOTYPE: {"iscn": "46,XX[20]", "metaphases_analysed": 20, "interpretation": ""},
    TestType.FISH: {
        "probes": [{"probe": "", "nuclei_scored": 200, "abnormal_nuclei": 0, "cutoff_percent": 5}],
        "interpretation": "",
    },
    TestType.MOLECULAR_PANEL: {"panel": "", "variants": [], "interpretation": ""},
    TestType.CULTURE: {"organism": None, "incubation_days": 5, "susceptibility": ""},
}
_NARRATIVE: dict[str, Any] = {"text": "", "values": {}}


def _template(test_type: TestType) -> str:
    return json.dumps(_TEMPLATES.get(test_type, _NARRATIVE), indent=1)


@router.get("")
def lab_home(request: Request, ctx: Ctx, me: Lab) -> Response:
    """Accessioning and the worklists with how many tests wait in each."""
    with ctx.uow() as uow:
        open_tests = list(uow.pathway.open_tests())
    waiting = {t: sum(1 for x in open_tests if x.test_type is t) for t in TestType}
    return render(request, "lab_home.html", me, waiting=waiting)


@router.post("/receive")
def receive(
    request: Request, ctx: Ctx, me: Lab, accession: Annotated[str, Form(max_length=32)]
) -> Response:
    """The specimen's label was scanned: it and its tests are received."""
    with ctx.uow() as uow:
        moved = laboratory.receive_specimen(uow, me.actor, accession)
        open_tests = list(uow.pathway.open_tests())
    waiting = {t: sum(1 for x in open_tests if x.test_type is t) for t in TestType}
    return render(
        request, "lab_home.html", me, waiting=waiting, received=accession.strip(), moved=moved
    )


@router.get("/worklists/{test_type}")
def worklist(request: Request, ctx: Ctx, me: Lab, test_type: str) -> Response:
    """Open tests of one kind, oldest first, with their specimens."""
    try:
        chosen = TestType(test_type)
    except ValueError:
        raise InvalidInput(f"test type: one of {', '.join(t.value for t in TestType)}") from None
    with ctx.uow() as uow:
        tests = [t for t in uow.pathway.open_tests() if t.test_type is chosen]
        rows = []
        for t in tests:
            specimen = uow.pathway.get_specimen(t.specimen_id)
            rows.append((t, specimen, uow.pathway.current_result(t.id)))
    return render(
        request,
        "lab_worklist.html",
        me,
        test_type=chosen,
        rows=rows,
        states=[s for s in TestState if s not in (TestState.RESULTED, TestState.VERIFIED)],
        result_template=_template(chosen),
        target_hours=turnaround_hours(chosen),
    )


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
        laboratory.advance_test(uow, me.actor, test_id, state, reason=reason)
    return redirect(back if back.startswith("/lab") else "/lab")


@router.post("/tests/{test_id}/result")
def post_result(
    ctx: Ctx,
    me: Lab,
    test_id: int,
    result: Annotated[str, Form(max_length=20_000)],
    correction_reason: Annotated[str, Form(max_length=500)] = "",
    back: Annotated[str, Form()] = "/lab",
) -> Response:
    """Post (or correct) a test's structured result, given as JSON."""
    try:
        data = json.loads(result)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"result: not valid JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(data, dict):
        raise InvalidInput("result: a JSON object is expected")
    with ctx.uow() as uow:
        laboratory.post_result(uow, me.actor, test_id, data, correction_reason=correction_reason)
    return redirect(back if back.startswith("/lab") else "/lab")


@router.post("/tests/{test_id}/verify")
def verify(ctx: Ctx, me: Verifier, test_id: int, back: Annotated[str, Form()] = "/lab") -> Response:
    """Verify the current result (a second person: the one who entered it cannot)."""
    with ctx.uow() as uow:
        laboratory.verify_result(uow, me.actor, test_id)
    return redirect(back if back.startswith(("/lab", "/pathologist")) else "/lab")


@router.get("/overdue")
def overdue(request: Request, ctx: Ctx, me: Lab) -> Response:
    """Tests past their turnaround target, most overdue first."""
    with ctx.uow() as uow:
        late = laboratory.overdue_tests(uow, me.actor)
        specimens = {t.test.specimen_id: uow.pathway.get_specimen(t.test.specimen_id) for t in late}
    return render(
        request, "lab_overdue.html", me, late=late, specimens=specimens, now=datetime.now(UTC)
    )
