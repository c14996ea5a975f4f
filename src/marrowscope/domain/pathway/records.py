"""The pathway as a whole: versioned records, the case read back whole, and its stage.

``CaseRecord`` is what the web pages, the report and the interop layer read: every
current record of one case with its superseded history, in one value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from marrowscope.domain.cases.model import Case, Patient
from marrowscope.domain.lab import LabTest, Specimen, TestState

__all__ = [
    "CaseRecord",
    "CaseStage",
    "RecordKind",
    "ResultVersion",
    "StoredRecord",
    "TestEvent",
    "stage_of",
]


class RecordKind(StrEnum):
    """The versioned clinical documents of a case."""

    CBC = "cbc"
    ORDER = "order"
    ASSESSMENT = "assessment"
    PROCEDURE = "procedure"
    AFTERCARE = "aftercare"
    CHECK_IN = "check_in"
    # inputs of the integrated diagnosis no result states (dysplasia, history, myeloma
    # work-up): domain.diagnosis.context
    DIAGNOSTIC_CONTEXT = "diagnostic_context"


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One version of a clinical document; ``payload`` is its JSON form."""

    id: int
    case_id: int
    kind: RecordKind
    version: int
    payload: Mapping[str, Any]
    recorded_at: datetime
    recorded_by: str
    supersedes_id: int | None = None
    superseded_at: datetime | None = None
    correction_reason: str = ""

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


@dataclass(frozen=True, slots=True)
class TestEvent:
    """One move of a test's state machine."""

    lab_test_id: int
    at: datetime
    by: str
    from_state: TestState | None
    to_state: TestState
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ResultVersion:
    """One version of a test's result."""

    id: int
    lab_test_id: int
    version: int
    payload: Mapping[str, Any]
    resulted_at: datetime
    resulted_by: str
    verified_at: datetime | None = None
    verified_by: str | None = None
    superseded_at: datetime | None = None
    correction_reason: str = ""


class CaseStage(StrEnum):
    """How far along the pathway a case is (the furthest step reached)."""

    OPENED = "opened"
    CBC_RECORDED = "cbc_recorded"
    ORDERED = "ordered"
    ASSESSED = "assessed"
    PROCEDURE_DONE = "procedure_done"
    IN_LABORATORY = "in_laboratory"
    RESULTS_VERIFIED = "results_verified"
    AFTERCARE = "aftercare"
    FOLLOWED_UP = "followed_up"


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """Everything recorded for one case; ``records`` keeps superseded versions too."""

    patient: Patient
    case: Case
    records: Sequence[StoredRecord]
    specimens: Sequence[Specimen]
    tests: Sequence[LabTest]
    events: Sequence[TestEvent]
    results: Sequence[ResultVersion]
    stage: CaseStage = CaseStage.OPENED
    extra: Mapping[str, Any] = field(default_factory=dict)

    def current(self, kind: RecordKind | str) -> list[StoredRecord]:
        """Current (not superseded) versions of ``kind``, oldest first.

        Templates and JSON name the kind as text ("check_in"); it is coerced and compared
        by value, because an identity test (``is``) against text never matched and hid
        every urgent check-in from the staff pages. An unknown kind raises.
        """
        wanted = RecordKind(kind)
        return [r for r in self.records if r.kind == wanted and r.is_current]

    def latest(self, kind: RecordKind | str) -> StoredRecord | None:
        """The newest current version of ``kind``, if any."""
        found = self.current(kind)
        return found[-1] if found else None

    def current_result(self, lab_test_id: int) -> ResultVersion | None:
        """The current result version of a test."""
        found = [
            r for r in self.results if r.lab_test_id == lab_test_id and r.superseded_at is None
        ]
        return found[-1] if found else None


def stage_of(records: Sequence[StoredRecord], tests: Sequence[LabTest]) -> CaseStage:
    """The furthest step the case has reached."""
    kinds = {r.kind for r in records if r.is_current}
    if RecordKind.CHECK_IN in kinds:
        return CaseStage.FOLLOWED_UP
    if RecordKind.AFTERCARE in kinds:
        return CaseStage.AFTERCARE
    live = [t for t in tests if t.state not in (TestState.CANCELLED, TestState.REJECTED)]
    if live and all(t.state == TestState.VERIFIED for t in live):
        return CaseStage.RESULTS_VERIFIED
    if tests:
        return CaseStage.IN_LABORATORY
    for kind, stage in (
        (RecordKind.PROCEDURE, CaseStage.PROCEDURE_DONE),
        (RecordKind.ASSESSMENT, CaseStage.ASSESSED),
        (RecordKind.ORDER, CaseStage.ORDERED),
        (RecordKind.CBC, CaseStage.CBC_RECORDED),
    ):
        if kind in kinds:
            return stage
    return CaseStage.OPENED
