"""The laboratory's quality dashboard: every figure in one read-only value.

Lab managers and pathologists see it; nobody else (the figures name cases and the people
who called, reviewed and signed). The figures are computed in ``domain.quality`` from the
raw rows; this use case reads the rows and the open tests and hands them over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marrowscope.domain.lab import TERMINAL_STATES, turnaround_hours
from marrowscope.domain.quality import (
    AI_VS_REVIEWER,
    PERCENTILE_METHOD,
    REVIEWER_VS_REVIEWER,
    AgreementRow,
    AmendmentRow,
    ChangedRow,
    CriticalMonth,
    CriticalRow,
    ReasonRow,
    Stage,
    TurnaroundRow,
    agreement_rows,
    amendment_rows,
    changed_after_review,
    critical_months,
    critical_rows,
    reason_rows,
    reviewer_pairs,
    stage_times,
    target_working_days,
    turnaround_rows,
    working_days_between,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.cases import require_staff
from marrowscope.services.quality.ports import CallLog, QualityRows, call_log, quality_rows
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["QUALITY_READERS", "Dashboard", "OverdueRow", "quality_dashboard"]

QUALITY_READERS = frozenset({Role.LAB_MANAGER, Role.PATHOLOGIST})


@dataclass(frozen=True, slots=True)
class OverdueRow:
    """An unfinished test past either of its targets now, measured both ways and named.

    The laboratory's overdue board counts calendar hours against ``target_hours``; the
    dashboard's turnaround counts working days against ``target_working_days``. A test
    received on Friday can be past the first and not the second, so each row says which
    target it is past and by how much, each in its own unit: a figure in hours is never
    set beside one in working days under the same heading.
    """

    test_id: int
    case_id: int | None
    test_type: str
    state: str
    started_at: datetime  # receipt, else the order
    target_hours: float  # calendar hours (the lab's overdue board)
    calendar_hours_past_target: float  # negative: still within it
    target_working_days: float | None
    working_days_open: float
    working_days_past_target: float | None  # negative: still within it; None: no target
    overdue_by: str  # "calendar hours", "working days" or "both"


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Every table of the dashboard (each also a CSV and a part of the JSON)."""

    generated_at: datetime
    percentile_method: str
    turnaround: list[TurnaroundRow]
    overdue: list[OverdueRow]
    amendments: list[AmendmentRow]
    reasons: list[ReasonRow]
    critical: list[CriticalRow]
    critical_months: list[CriticalMonth]
    agreement: list[AgreementRow]
    changed: list[ChangedRow]


def _overdue(uow: UnitOfWork, now: datetime) -> list[OverdueRow]:
    """Open tests past the calendar-hour target, the working-day target, or both."""
    rows = []
    for t in uow.pathway.open_tests():
        if t.state in TERMINAL_STATES:
            continue
        start = t.received_at or t.ordered_at
        hours = turnaround_hours(t.test_type)
        hours_past = round((now - start).total_seconds() / 3600 - hours, 1)
        open_days = working_days_between(start, now)
        target_days = target_working_days(t.test_type.value, Stage.RECEIVED_TO_VERIFIED)
        days_past = None if target_days is None else round(open_days - target_days, 2)
        late = [name for name, past in (("calendar hours", hours_past), ("working days", days_past))
                if past is not None and past > 0]  # fmt: skip
        if not late:
            continue
        specimen = uow.pathway.get_specimen(t.specimen_id)
        rows.append(
            OverdueRow(
                t.id,
                specimen.case_id if specimen else None,
                t.test_type.value,
                t.state.value,
                start,
                hours,
                hours_past,
                target_days,
                open_days,
                days_past,
                "both" if len(late) == 2 else late[0],
            )  # fmt: skip
        )
    return sorted(rows, key=lambda r: -r.calendar_hours_past_target)


def quality_dashboard(
    uow: UnitOfWork,
    actor: Actor,
    *,
    rows: Callable[[Any], QualityRows] | None = None,
    calls: Callable[[Any], CallLog] | None = None,
) -> Dashboard:
    """The dashboard as it stands now (lab managers and pathologists only)."""
    require_staff(actor, QUALITY_READERS)
    now = uow.now()
    source = quality_rows(uow, rows)
    versions = source.signed_versions()
    decisions = source.decisions()
    critical = critical_rows(source.latest_counts(), call_log(uow, calls).all_calls())
    return Dashboard(
        generated_at=now,
        percentile_method=PERCENTILE_METHOD,
        turnaround=turnaround_rows(stage_times(source.test_times(), source.case_times())),
        overdue=_overdue(uow, now),
        amendments=amendment_rows(versions),
        reasons=reason_rows(versions),
        critical=critical,
        critical_months=critical_months(critical),
        agreement=agreement_rows(AI_VS_REVIEWER, source.model_pairs())
        + agreement_rows(REVIEWER_VS_REVIEWER, reviewer_pairs(decisions)),
        changed=changed_after_review(decisions),
    )
