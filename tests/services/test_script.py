"""A scripted walk runs each step as its own use case and names the step that fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marrowscope.domain.errors import InvalidInput, NotFound, TransitionNotAllowed
from marrowscope.domain.pathway.records import CaseStage, RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.services.walkthrough import walk_script

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "pathway_walk.json"


def _example() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return doc


def test_the_example_script_reaches_follow_up(uow: UnitOfWork) -> None:
    done = walk_script(uow, _example())

    record = cases.load_case_record(uow, Actor("x", Role.CLINICIAN), done.case_id)
    assert record.stage is CaseStage.FOLLOWED_UP
    assert set(done.accessions) == {"smear", "edta", "core"}
    assessment = record.latest(RecordKind.ASSESSMENT)
    assert assessment is not None
    rules = {f["rule"]: f["severity"] for f in assessment.payload["findings"]}
    assert rules["allergy.latex"] == "review" and rules["drug.rivaroxaban"] == "note"


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"step": "teleport"}, InvalidInput, "step 3 \\(teleport\\): step: unknown"),
        ({"step": "receive", "specimen": "nowhere"}, InvalidInput, "step 3"),
        ({"step": "verify", "specimen": "smear", "test": "smear_morphology"}, NotFound, "step 3"),
    ],
)
def test_a_failing_step_is_named(
    uow: UnitOfWork, change: dict[str, Any], error: type[Exception], message: str
) -> None:
    doc = _example()
    doc["steps"] = doc["steps"][:2] + [{"as": "lab", **change}]

    with pytest.raises(error, match=message):
        walk_script(uow, doc)


def test_a_forbidden_move_in_a_script_is_refused(uow: UnitOfWork) -> None:
    doc = _example()
    steps = doc["steps"]
    # back from received to collected: the machine only moves forward
    doc["steps"] = steps[:8] + [
        {"as": "lab", "step": "advance", "specimen": "smear", "test": "smear_morphology",
         "to": "collected"},
    ]  # fmt: skip

    with pytest.raises(TransitionNotAllowed, match="step 9 \\(advance\\)"):
        walk_script(uow, doc)
