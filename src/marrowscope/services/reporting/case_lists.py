"""One line per case for every staff case list: stage, report status, pending tests and
turnaround, computed once so the clinician's, nursing, pathologist and counter lists
never disagree about the same case.

Turnaround runs from the examination order (the request a laboratory's turnaround is
measured from) to the first sign-out; until a report is signed it keeps running to now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from marrowscope.domain.cases.model import Case, CaseStatus, Patient
from marrowscope.domain.display_names import label_of
from marrowscope.domain.lab import TERMINAL_STATES, TestType
from marrowscope.domain.pathway.records import CaseStage, RecordKind, stage_of
from marrowscope.domain.roles import Actor
from marrowscope.services.cases import codec, list_cases, patient_cases
from marrowscope.services.reporting.state import report_state
from marrowscope.services.reporting.views import list_versions
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["CaseListRow", "case_list", "duration_words"]

_REPORT_WORDS = {
    "none": "No report",
    "draft": "Draft",
    "signed": "Signed",
    "released": "Released",
}


@dataclass(frozen=True, slots=True)
class CaseListRow:
    """A case as every list shows it; the ``*_words`` fields are what a page prints."""

    case: Case
    patient: Patient
    stage: CaseStage
    report_status: str  # none | draft | signed | released
    pending_tests: tuple[TestType, ...]
    ordered_at: datetime | None
    turnaround: timedelta | None
    turnaround_stopped: bool  # True once a report is signed: the figure is final

    @property
    def stage_words(self) -> str:
        """The stage as a sentence fragment ("Procedure done")."""
        return label_of(self.stage)

    @property
    def report_words(self) -> str:
        """Draft, Signed, Released or No report."""
        return _REPORT_WORDS.get(self.report_status, label_of(self.report_status))

    @property
    def pending_words(self) -> str:
        """ "None", or the count and names ("2: FISH, Karyotype")."""
        if not self.pending_tests:
            return "None"
        names = ", ".join(sorted({label_of(t) for t in self.pending_tests}))
        return f"{len(self.pending_tests)}: {names}"

    @property
    def turnaround_words(self) -> str:
        """ "Not ordered", "1 d 4 h since the order" or "2 d 3 h (signed)"."""
        if self.turnaround is None:
            return "Not ordered"
        span = duration_words(self.turnaround)
        return f"{span} (signed)" if self.turnaround_stopped else f"{span} since the order"


def duration_words(span: timedelta) -> str:
    """A span in days and hours ("3 d 4 h", "5 h", "under 1 h"): a list is read at a glance,
    and minutes say nothing about a turnaround counted in days."""
    hours = max(0, int(span.total_seconds() // 3600))
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h" if hours else "under 1 h"


def case_list(
    uow: UnitOfWork,
    actor: Actor,
    *,
    status: CaseStatus | None = None,
    patient_id: int | None = None,
) -> list[CaseListRow]:
    """Cases newest first, each with its stage, report, pending tests and turnaround;
    with ``patient_id``, that patient's cases oldest first (their examinations in time
    order)."""
    now = uow.now()
    rows = []
    found = (
        list_cases(uow, actor, status=status)
        if patient_id is None
        else patient_cases(uow, actor, patient_id)
    )
    for case in found:
        patient = uow.patients.get(case.patient_id)
        if patient is None:
            continue
        records = uow.pathway.records(case.id)
        tests = uow.pathway.tests_for_case(case.id)
        report = report_state(uow, actor, case.id)
        order = next(
            (r for r in reversed(records) if r.kind is RecordKind.ORDER and r.is_current), None
        )
        ordered_at = codec.order_from(order.payload).ordered_at if order else None
        # the first sign-out ends the turnaround; an amendment later does not restart it
        signed = [v.signed_at for v in list_versions(uow, actor, case.id) if v.signed_at]
        first_signed = min(signed) if signed else None
        turnaround = None if ordered_at is None else (first_signed or now) - ordered_at
        rows.append(
            CaseListRow(
                case=case,
                patient=patient,
                stage=stage_of(records, tests),
                report_status=report.status,
                pending_tests=tuple(t.test_type for t in tests if t.state not in TERMINAL_STATES),
                ordered_at=ordered_at,
                turnaround=turnaround,
                turnaround_stopped=first_signed is not None,
            )
        )
    return rows
