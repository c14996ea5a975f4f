"""Care-team alerts: which check-ins raise one, what it says, the inbox order, one
acknowledgement (issue 18; levels from tables/aftercare.toml, Bain 2003, NICE CG151)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marrowscope.domain.alerts.model import (
    Alert,
    AlertSource,
    acknowledge,
    alert_reason,
    inbox_order,
    level_words,
    new_alert,
    raises_alert,
)
from marrowscope.domain.errors import Conflict, InvalidInput
from marrowscope.domain.pathway.aftercare import CheckIn, EscalationLevel, escalate

AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _alert(n: int, level: EscalationLevel, minutes: int, acked: int | None = None) -> Alert:
    return Alert(
        id=n,
        case_id=1,
        patient_id=1,
        record_id=n,
        level=level,
        reason="r",
        source=AlertSource.PATIENT_CHECK_IN,
        raised_at=AT + timedelta(minutes=minutes),
        raised_by="patient",
        acknowledged_at=None if acked is None else AT + timedelta(minutes=acked),
        acknowledged_by=None if acked is None else "nurse",
    )


@pytest.mark.parametrize(
    ("level", "alerts"),
    [
        (EscalationLevel.URGENT, True),
        (EscalationLevel.SAME_DAY, True),
        (EscalationLevel.ROUTINE, False),
        (EscalationLevel.NONE, False),
        ("urgent", True),  # the level as stored text
    ],
)
def test_only_urgent_and_same_day_check_ins_raise_an_alert(
    level: EscalationLevel | str, alerts: bool
) -> None:
    assert raises_alert(level) is alerts


def test_fever_and_bleeding_that_does_not_stop_raise_an_urgent_alert_that_says_why() -> None:
    check_in = CheckIn(AT, ("bleeding_not_stopped",), temperature_c=38.6)
    escalation = escalate(check_in, neutrophils_per_nl=None)

    new = new_alert(
        escalation,
        case_id=3,
        patient_id=7,
        record_id=11,
        source=AlertSource.PATIENT_CHECK_IN,
        at=AT,
        by="patient",
        temperature_c=38.6,
    )

    assert new is not None and new.level is EscalationLevel.URGENT
    assert "Bleeding that does not stop" in new.reason
    assert "38 C or higher" in new.reason
    assert new.reason.endswith("measured temperature 38.6 °C")


def test_a_routine_check_in_raises_no_alert() -> None:
    escalation = escalate(CheckIn(AT, ("mild_soreness",)), neutrophils_per_nl=None)

    new = new_alert(
        escalation, case_id=3, patient_id=7, record_id=1, source=AlertSource.STAFF_CALL,
        at=AT, by="nurse",
    )  # fmt: skip

    assert new is None


def test_the_reason_without_symptoms_says_so() -> None:
    escalation = escalate(CheckIn(AT, ()), neutrophils_per_nl=None)

    assert alert_reason(escalation) == "no symptom named"


def test_the_inbox_puts_urgent_first_then_same_day_oldest_first_then_acknowledged() -> None:
    same_day_old = _alert(1, EscalationLevel.SAME_DAY, 0)
    urgent_new = _alert(2, EscalationLevel.URGENT, 30)
    urgent_old = _alert(3, EscalationLevel.URGENT, 10)
    done_early = _alert(4, EscalationLevel.URGENT, 0, acked=5)
    done_late = _alert(5, EscalationLevel.SAME_DAY, 0, acked=50)

    ordered = inbox_order([same_day_old, done_early, urgent_new, done_late, urgent_old])

    assert [a.id for a in ordered] == [3, 2, 1, 5, 4]


def test_an_alert_is_acknowledged_once_with_a_note() -> None:
    alert = _alert(1, EscalationLevel.URGENT, 0)

    done = acknowledge(alert, by="nina", at=AT + timedelta(minutes=4), note="  Phoned; to ED  ")

    assert not done.is_open and alert.is_open
    assert (done.acknowledged_by, done.acknowledgement_note) == ("nina", "Phoned; to ED")
    with pytest.raises(Conflict, match="already acknowledged by nina"):
        acknowledge(done, by="paul", at=AT, note="again")


@pytest.mark.parametrize("note", ["", "   ", "x" * 2001])
def test_an_acknowledgement_needs_a_short_note(note: str) -> None:
    with pytest.raises(InvalidInput, match="note"):
        acknowledge(_alert(1, EscalationLevel.URGENT, 0), by="nina", at=AT, note=note)


def test_levels_read_as_words() -> None:
    assert [level_words(x) for x in ("urgent", "same_day", "routine")] == [
        "Urgent",
        "Same day",
        "Routine",
    ]
