"""Working days between two moments: what a laboratory's turnaround is counted in.

"504 h" reads as a number to convert; "15 working days" is what a laboratory plans by,
and a specimen received on a Friday evening has not waited over the weekend for a
scientist. The time elapsed is counted on working days only: weekends and the public
holidays of ``tables/quality.toml`` add nothing.

The measure is continuous, not a count of dates: a test received on Friday at 16:00 and
verified on Monday at 10:00 took 8 h + 10 h = 0.75 working days. Days are calendar days
in UTC, the time the database stores (a laboratory far from UTC sees a weekend shifted
by its offset; the figures are then off by at most that many hours per weekend).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.tables import load_table

__all__ = ["WorkingCalendar", "default_calendar", "working_days_between"]

_DAY_SECONDS = 86_400.0


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Which days are not worked: weekdays (Monday = 0) and dated holidays."""

    weekend: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[date] = frozenset()

    def is_working(self, day: date) -> bool:
        """Whether ``day`` counts toward turnaround."""
        return day.weekday() not in self.weekend and day not in self.holidays


@cache
def default_calendar() -> WorkingCalendar:
    """The calendar of ``tables/quality.toml``; a malformed holiday is refused by name."""
    row = load_table("quality")["working_calendar"]
    holidays = set()
    for text in row.get("holidays", []):
        try:
            holidays.add(date.fromisoformat(str(text)))
        except ValueError:
            raise InvalidInput(f"quality.toml holidays: {text!r} is not a date") from None
    return WorkingCalendar(frozenset(int(d) for d in row["weekend"]), frozenset(holidays))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def working_days_between(
    start: datetime, end: datetime, calendar: WorkingCalendar | None = None
) -> float:
    """Working days from ``start`` to ``end``; negative if ``end`` comes first.

    Each calendar day contributes the part of the interval that falls on it if it is a
    working day, nothing otherwise; the sum is divided by 24 h.
    """
    cal = calendar or default_calendar()
    a, b = _utc(start), _utc(end)
    if b < a:
        return -working_days_between(end, start, cal)
    seconds = 0.0
    day = a.date()
    while day <= b.date():
        if cal.is_working(day):
            day_start = datetime.combine(day, time(), tzinfo=UTC)
            lo = max(a, day_start)
            hi = min(b, day_start + timedelta(days=1))
            seconds += max(0.0, (hi - lo).total_seconds())
        day += timedelta(days=1)
    return seconds / _DAY_SECONDS
