"""The quality dashboard's pure figures: percentiles, working days, kappa, amendments."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marrowscope.domain.errors import InvalidInput, NotAllowed
from marrowscope.domain.quality import (
    Decision,
    SignedVersion,
    WorkingCalendar,
    amendment_rows,
    binary_kappa,
    changed_after_review,
    check_call,
    percentile,
    reason_rows,
    reviewer_pairs,
    working_days_between,
)
from marrowscope.domain.reporting.critical_calls import CriticalFinding, require_critical_call

T0 = datetime(2026, 1, 1, tzinfo=UTC)
values = st.lists(st.floats(0, 1000, allow_nan=False), min_size=2, max_size=60)


@given(values)
def test_p90_and_median_are_statistics_quantiles_inclusive(xs: list[float]) -> None:
    """Definition 7 is what Python calls "inclusive" and numpy calls "linear"."""
    deciles = statistics.quantiles(xs, n=10, method="inclusive")

    assert percentile(xs, 90) == pytest.approx(deciles[8], abs=1e-9)
    assert percentile(xs, 50) == pytest.approx(statistics.median(xs), abs=1e-9)
    assert percentile(xs, 90) == pytest.approx(float(np.percentile(xs, 90)), abs=1e-9)


def test_percentile_of_nothing_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no values"):
        percentile([], 90)


def test_friday_evening_to_monday_morning_is_three_quarters_of_a_working_day() -> None:
    friday_16h = datetime(2026, 3, 6, 16, tzinfo=UTC)

    days = working_days_between(friday_16h, datetime(2026, 3, 9, 10, tzinfo=UTC))

    assert days == pytest.approx(0.75)


def test_a_holiday_counts_like_a_weekend_day() -> None:
    monday = datetime(2026, 4, 6, tzinfo=UTC)
    calendar = WorkingCalendar(holidays=frozenset({date(2026, 4, 6)}))

    assert working_days_between(monday, monday + timedelta(days=1), calendar) == 0
    assert working_days_between(monday, monday + timedelta(days=1)) == 1


@settings(max_examples=40)
@given(st.integers(0, 60 * 24 * 20), st.integers(0, 60 * 24 * 12))
def test_working_days_equal_working_minutes_counted_one_by_one(start: int, length: int) -> None:
    """Against a direct count: every hour of the interval that falls on Monday-Friday."""
    a = T0 + timedelta(minutes=start)
    b = a + timedelta(minutes=length)
    hours = 0.0
    moment = a
    while moment < b:
        step = min(timedelta(hours=1) - timedelta(minutes=moment.minute), b - moment)
        if moment.weekday() < 5:
            hours += step.total_seconds() / 3600
        moment += step

    assert working_days_between(a, b) == pytest.approx(hours / 24, abs=1e-9)
    assert working_days_between(b, a) == pytest.approx(-hours / 24, abs=1e-9)


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=80))
def test_binary_kappa_is_cohens_kappa_of_the_two_by_two_table(
    answers: list[tuple[bool, bool]],
) -> None:
    n = len(answers)
    both = sum(1 for a, b in answers if a and b)
    first = sum(1 for a, _ in answers if a)
    second = sum(1 for _, b in answers if b)
    p_o = sum(1 for a, b in answers if a == b) / n
    p_e = (first / n) * (second / n) + (1 - first / n) * (1 - second / n)

    kappa = binary_kappa(n, both, first, second)

    assert kappa is None if p_e == 1 else kappa == pytest.approx((p_o - p_e) / (1 - p_e))


def test_a_cell_decided_by_two_people_is_one_reviewer_pair_and_one_change() -> None:
    decisions = [
        Decision(1, T0, "ana", "LY"),
        Decision(1, T0 + timedelta(hours=1), "ana", "LY"),  # the same person again
        Decision(1, T0 + timedelta(days=40), "ben", "MO"),
        Decision(2, T0, "ana", "NE"),
    ]

    pairs = reviewer_pairs(decisions)
    changed = {row.month: row for row in changed_after_review(decisions)}

    assert pairs == [(T0 + timedelta(days=40), "LY", "MO")]
    assert (changed["2026-01"].decisions, changed["2026-01"].changes_after_review) == (3, 1)
    assert (changed["2026-02"].changes_after_review, changed["2026-02"].code_changed) == (1, 1)
    assert changed["all"].code_changed == 1


def test_amendment_rate_is_per_report_signed_in_the_month_with_reasons() -> None:
    versions = [
        SignedVersion(1, 1, "original", T0, ""),
        SignedVersion(2, 1, "original", T0, ""),
        SignedVersion(1, 2, "amendment", T0 + timedelta(days=2), "Wrong  site"),
        SignedVersion(2, 2, "addendum", T0 + timedelta(days=40), "karyotype result"),
        SignedVersion(1, 3, "amendment", T0 + timedelta(days=41), "wrong site"),
    ]

    rows = {r.month: r for r in amendment_rows(versions)}
    reasons = reason_rows(versions)

    assert rows["2026-01"].amendment_rate == 0.5
    assert rows["2026-02"].amendment_rate is None  # no report first signed in February
    assert rows["all"].addendum_rate == 0.5
    assert (reasons[0].kind, reasons[0].reason, reasons[0].count) == ("amendment", "wrong site", 2)


def test_a_call_needs_a_recipient_and_cannot_be_in_the_future() -> None:
    with pytest.raises(InvalidInput, match="recipient"):
        check_call("  ", T0, "", T0)
    with pytest.raises(InvalidInput, match="called_at"):
        check_call("Dr Ward, registrar", T0 + timedelta(hours=1), "", T0)

    assert check_call(" Dr  Ward ", T0.replace(tzinfo=None), " ok ", T0) == ("Dr Ward", T0, "ok")


def test_release_waits_for_a_read_back_call_made_since_the_count() -> None:
    finding = CriticalFinding("platelets", "Platelets", 8, "x10^9/L", "below", 20, T0)

    with pytest.raises(NotAllowed, match="Platelets 8 x10\\^9/L \\(below 20\\).*call log"):
        require_critical_call(5, [finding], [T0 - timedelta(minutes=1)])
    require_critical_call(5, [finding], [T0])
    require_critical_call(5, [], [])
    # a call is typed to the second: logged in the count's own second, it counts
    counted = CriticalFinding("platelets", "Platelets", 8, "x10^9/L", "below", 20,
                              T0.replace(second=35, microsecond=400_000))  # fmt: skip
    require_critical_call(5, [counted], [T0.replace(second=35)])
    with pytest.raises(NotAllowed):
        require_critical_call(5, [counted], [T0.replace(second=34)])
