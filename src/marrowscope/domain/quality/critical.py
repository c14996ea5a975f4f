"""Critical values on the dashboard: each case's, and who was told, when and by whom.

Time to the call is in clock hours, not working days: a critical value is telephoned at
night and at weekends too. The time runs from the blood count's recording to the first
call whose recipient read the values back (a message left is logged but is not that call).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marrowscope.domain.quality.call_log import CriticalCall
from marrowscope.domain.quality.statistics import median, month_of
from marrowscope.domain.quality.turnaround import ALL_MONTHS
from marrowscope.domain.reporting.critical_calls import findings_of_count

__all__ = ["CriticalMonth", "CriticalRow", "critical_months", "critical_rows"]


@dataclass(frozen=True, slots=True)
class CriticalRow:
    """One case whose newest blood count holds a critical value, with its calls."""

    case_id: int
    month: str
    values: str
    recorded_at: datetime
    calls: int
    called_at: datetime | None  # the first call with read-back since the count
    caller: str
    recipient: str

    @property
    def hours_to_call(self) -> float | None:
        """Clock hours from the count to that call (None: no such call yet)."""
        if self.called_at is None:
            return None
        return (self.called_at - self.recorded_at).total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class CriticalMonth:
    """A month's cases with a critical value, those called with read-back, the median
    hours to that call."""

    month: str
    cases: int
    called: int
    median_hours_to_call: float | None


def critical_rows(
    counts: Iterable[tuple[int, Mapping[str, Any], datetime]], calls: Iterable[CriticalCall]
) -> list[CriticalRow]:
    """Rows for the cases whose newest count is critical, oldest count first."""
    by_case: dict[int, list[CriticalCall]] = defaultdict(list)
    for call in sorted(calls, key=lambda c: (c.called_at, c.id)):
        by_case[call.case_id].append(call)
    rows = []
    for case_id, payload, recorded_at in counts:
        findings = findings_of_count(payload, recorded_at)
        if not findings:
            continue
        logged = by_case[case_id]
        first = next((c for c in logged if c.read_back and c.called_at >= recorded_at), None)
        rows.append(
            CriticalRow(
                case_id,
                month_of(recorded_at),
                "; ".join(f.words for f in findings),
                recorded_at,
                len(logged),
                first.called_at if first else None,
                first.caller if first else "",
                first.recipient if first else "",
            )  # fmt: skip
        )
    return sorted(rows, key=lambda r: (r.recorded_at, r.case_id))


def critical_months(rows: Sequence[CriticalRow]) -> list[CriticalMonth]:
    """Per month of the count, and over all months."""
    groups: dict[str, list[CriticalRow]] = defaultdict(list)
    for row in rows:
        groups[row.month].append(row)
        groups[ALL_MONTHS].append(row)
    out = []
    for month in sorted(groups, key=lambda m: (m == ALL_MONTHS, m)):
        hours = [h for r in groups[month] if (h := r.hours_to_call) is not None]
        out.append(
            CriticalMonth(month, len(groups[month]), len(hours), median(hours) if hours else None)
        )
    return out
