"""Turnaround per test type and per stage, in working days, per month, against targets.

A test moves ordered -> received -> resulted -> verified; its case's report is then
signed and released to the patient. Each stage is the time between two stored moments:

- ``ordered_to_received``: ``lab_test.ordered_at`` to its ``received_at``;
- ``received_to_resulted``: receipt to the first result version's ``resulted_at``;
- ``resulted_to_verified``: that first result to the first verification of any version;
- ``received_to_verified``: the laboratory's turnaround, the one its targets are set for
  (``tables/turnaround.toml``: ``target_working_days``);
- per case, ``received_to_signed`` (first specimen received to the first signed report,
  the RCPath KPI; target in ``tables/quality.toml``), ``verified_to_signed`` (the last
  test verified before that signature to the signature) and ``signed_to_released``.

A stage is counted in the month it ended; a stage whose end is not yet stored is not a
turnaround yet (the overdue list is where unfinished work shows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from marrowscope.domain.quality.statistics import median, month_of, percentile
from marrowscope.domain.quality.working_days import WorkingCalendar, working_days_between
from marrowscope.domain.tables import load_table

__all__ = [
    "ALL_MONTHS",
    "REPORT",
    "CaseTimes",
    "Stage",
    "StageTime",
    "TestTimes",
    "TurnaroundRow",
    "stage_times",
    "target_working_days",
    "turnaround_rows",
]

ALL_MONTHS = "all"
REPORT = "report"  # the "test type" of the case-level stages


class Stage(StrEnum):
    """A span between two stored moments."""

    ORDERED_TO_RECEIVED = "ordered_to_received"
    RECEIVED_TO_RESULTED = "received_to_resulted"
    RESULTED_TO_VERIFIED = "resulted_to_verified"
    RECEIVED_TO_VERIFIED = "received_to_verified"
    RECEIVED_TO_SIGNED = "received_to_signed"
    VERIFIED_TO_SIGNED = "verified_to_signed"
    SIGNED_TO_RELEASED = "signed_to_released"


@dataclass(frozen=True, slots=True)
class TestTimes:
    """The moments one laboratory test reached (None: not yet)."""

    __test__ = False  # not a pytest test class despite the name

    test_id: int
    case_id: int
    test_type: str
    ordered_at: datetime
    received_at: datetime | None
    resulted_at: datetime | None  # first result version
    verified_at: datetime | None  # first verification


@dataclass(frozen=True, slots=True)
class CaseTimes:
    """The report's moments of one case (None: not yet)."""

    case_id: int
    received_at: datetime | None  # first specimen received
    signed_at: datetime | None  # first signed version
    released_at: datetime | None  # first release to the patient
    verified_before_signing: datetime | None  # last test verified at or before signing


@dataclass(frozen=True, slots=True)
class StageTime:
    """One finished stage of one test or case: the raw figure the rows summarise."""

    test_type: str
    stage: Stage
    month: str
    working_days: float
    subject_id: int  # the test's id, or the case's for report stages


@dataclass(frozen=True, slots=True)
class TurnaroundRow:
    """Median and 90th percentile of one stage of one test type in one month."""

    test_type: str
    stage: Stage
    month: str
    n: int
    median_days: float
    p90_days: float
    target_days: float | None
    within_target: int | None  # how many finished within the target

    @property
    def within_target_share(self) -> float | None:
        """The share within target (None where the stage has no target)."""
        return None if self.within_target is None else self.within_target / self.n


def target_working_days(test_type: str, stage: Stage) -> float | None:
    """The stage's target, where the tables set one; None otherwise."""
    if stage is Stage.RECEIVED_TO_VERIFIED:
        row = load_table("turnaround")["tests"].get(test_type, {})
        value = row.get("target_working_days")
        return None if value is None else float(value)
    if stage is Stage.RECEIVED_TO_SIGNED:
        return float(load_table("quality")["report"]["target_working_days"])
    return None


def _span(
    kind: str, stage: Stage, subject: int, a: datetime | None, b: datetime | None,
    cal: WorkingCalendar | None,
) -> StageTime | None:  # fmt: skip
    if a is None or b is None:
        return None
    return StageTime(kind, stage, month_of(b), working_days_between(a, b, cal), subject)


def stage_times(
    tests: Iterable[TestTimes], cases: Iterable[CaseTimes], cal: WorkingCalendar | None = None
) -> list[StageTime]:
    """Every finished stage of every test and case."""
    out: list[StageTime | None] = []
    for t in tests:
        kind, i = t.test_type, t.test_id
        out += [
            _span(kind, Stage.ORDERED_TO_RECEIVED, i, t.ordered_at, t.received_at, cal),
            _span(kind, Stage.RECEIVED_TO_RESULTED, i, t.received_at, t.resulted_at, cal),
            _span(kind, Stage.RESULTED_TO_VERIFIED, i, t.resulted_at, t.verified_at, cal),
            _span(kind, Stage.RECEIVED_TO_VERIFIED, i, t.received_at, t.verified_at, cal),
        ]
    for c in cases:
        i = c.case_id
        out += [
            _span(REPORT, Stage.RECEIVED_TO_SIGNED, i, c.received_at, c.signed_at, cal),
            _span(REPORT, Stage.VERIFIED_TO_SIGNED, i, c.verified_before_signing, c.signed_at, cal),
            _span(REPORT, Stage.SIGNED_TO_RELEASED, i, c.signed_at, c.released_at, cal),
        ]
    return [s for s in out if s is not None]


def _row(test_type: str, stage: Stage, month: str, days: Sequence[float]) -> TurnaroundRow:
    target = target_working_days(test_type, stage)
    within = None if target is None else sum(1 for d in days if d <= target)
    return TurnaroundRow(
        test_type, stage, month, len(days), median(days), percentile(days, 90), target, within
    )


def turnaround_rows(times: Iterable[StageTime]) -> list[TurnaroundRow]:
    """One row per test type, stage and month, and one per test type and stage over all
    months (``month == "all"``); sorted by test type, stage order, month."""
    groups: dict[tuple[str, Stage, str], list[float]] = defaultdict(list)
    for s in times:
        groups[(s.test_type, s.stage, s.month)].append(s.working_days)
        groups[(s.test_type, s.stage, ALL_MONTHS)].append(s.working_days)
    order = {stage: n for n, stage in enumerate(Stage)}
    keys = sorted(groups, key=lambda k: (k[0], order[k[1]], k[2] == ALL_MONTHS, k[2]))
    return [_row(*key, groups[key]) for key in keys]
