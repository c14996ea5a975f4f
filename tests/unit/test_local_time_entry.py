"""Times typed on the ward are wall-clock time in the lab's zone, stored in UTC.

Europe/Berlin in 2026: clocks go forward on Sunday 29 March at 02:00 CET (02:00-02:59
never happens) and back on Sunday 25 October at 03:00 CEST (02:00-02:59 happens twice);
EU Directive 2000/84/EC, last Sunday of March and of October, 01:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marrowscope.domain.errors import InvalidInput
from marrowscope.web.forms import as_datetime, is_ambiguous, local_input

BERLIN = "Europe/Berlin"


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2026-01-15T09:30", _utc(2026, 1, 15, 8, 30)),  # winter: UTC+1
        ("2026-03-29T01:59", _utc(2026, 3, 29, 0, 59)),  # last minute before the change
        ("2026-03-29T03:00", _utc(2026, 3, 29, 1, 0)),  # first minute after: UTC+2
        ("2026-07-01T14:00", _utc(2026, 7, 1, 12, 0)),  # summer: UTC+2
        ("2026-10-25T01:59", _utc(2026, 10, 24, 23, 59)),  # before the repeated hour
        ("2026-10-25T03:00", _utc(2026, 10, 25, 2, 0)),  # after it: UTC+1 again
    ],
)
def test_a_local_time_is_stored_as_the_utc_moment_it_names(typed: str, stored: datetime) -> None:
    assert as_datetime("last_dose_0", typed, zone=BERLIN) == stored


def test_across_the_spring_change_an_hour_of_wall_clock_is_one_hour_of_real_time() -> None:
    before = as_datetime("a", "2026-03-29T01:30", zone=BERLIN)
    after = as_datetime("a", "2026-03-29T03:30", zone=BERLIN)

    assert before is not None and after is not None
    assert after - before == timedelta(hours=1)


@pytest.mark.parametrize("typed", ["2026-03-29T02:00", "2026-03-29T02:30", "2026-03-29T02:59"])
def test_a_time_the_clocks_skip_is_refused_beside_its_field(typed: str) -> None:
    with pytest.raises(InvalidInput, match=r"^last_dose_0: .* does not exist in Europe/Berlin"):
        as_datetime("last_dose_0", typed, zone=BERLIN)


@pytest.mark.parametrize("typed", ["2026-10-25T02:00", "2026-10-25T02:30", "2026-10-25T02:59"])
def test_a_time_the_clocks_show_twice_is_refused_asking_for_the_offset(typed: str) -> None:
    with pytest.raises(InvalidInput, match=r"^inr_at: .* happens twice .*\+02:00.*\+01:00"):
        as_datetime("inr_at", typed, zone=BERLIN)

    assert is_ambiguous(typed, BERLIN)  # the field turns to text, so the offset can be typed


def test_the_repeated_hour_with_its_offset_names_either_moment() -> None:
    first = as_datetime("a", "2026-10-25T02:30+02:00", zone=BERLIN)
    second = as_datetime("a", "2026-10-25T02:30+01:00", zone=BERLIN)

    assert first == _utc(2026, 10, 25, 0, 30)
    assert second == _utc(2026, 10, 25, 1, 30)


def test_in_utc_a_wall_clock_time_is_the_utc_time() -> None:
    assert as_datetime("a", "2026-03-29T02:30") == _utc(2026, 3, 29, 2, 30)
    assert not is_ambiguous("2026-10-25T02:30", "UTC")


@pytest.mark.parametrize(
    "moment",
    [
        _utc(2026, 3, 29, 0, 59),
        _utc(2026, 3, 29, 1, 0),
        _utc(2026, 10, 25, 0, 30),  # 02:30 CEST, the first 02:30
        _utc(2026, 10, 25, 1, 30),  # 02:30 CET, the second
        _utc(2026, 10, 25, 2, 0),
    ],
)
def test_a_stored_time_shown_in_its_field_reads_back_as_the_same_moment(moment: datetime) -> None:
    shown = local_input(moment, BERLIN)

    assert as_datetime("a", shown, zone=BERLIN) == moment


def test_a_stored_time_is_shown_on_the_lab_clock() -> None:
    assert local_input(_utc(2026, 7, 1, 12, 0), BERLIN) == "2026-07-01T14:00"
    assert local_input(_utc(2026, 10, 25, 1, 30), BERLIN) == "2026-10-25T02:30+01:00"
    assert local_input(None, BERLIN) == ""


def test_nonsense_and_a_missing_required_time_are_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="^started_at: required"):
        as_datetime("started_at", " ", required=True, zone=BERLIN)
    with pytest.raises(InvalidInput, match="^started_at: 'noon' is not a date and time"):
        as_datetime("started_at", "noon", zone=BERLIN)
