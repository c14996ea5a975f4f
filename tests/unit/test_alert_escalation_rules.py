"""The rules of escalation without a database: the patient's advice by level, who is due
for escalation, the retry backoff, a telephone number's check, the CLI command."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marrowscope.domain.alerts.escalation import BACKOFF_MAX, due_for_escalation, retry_at
from marrowscope.domain.alerts.model import Alert, AlertSource
from marrowscope.domain.cases.model import clean_phone
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway.aftercare import CheckIn, EscalationLevel, escalate
from marrowscope.domain.pathway.check_in_advice import patient_advice

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)


def test_urgent_says_call_now_or_go_to_the_emergency_department_with_the_number() -> None:
    advice = patient_advice(
        escalate(CheckIn(T0, ("bleeding_not_stopped",), 38.6), neutrophils_per_nl=None),
        "020 7946 0000",
    )
    assert advice.tone == "urgent" and advice.emergency
    assert "now on 020 7946 0000" in advice.headline
    assert "emergency department" in advice.headline
    assert len(advice.steps) == 2


def test_same_day_is_amber_and_routine_a_neutral_thank_you() -> None:
    same_day = patient_advice(
        escalate(CheckIn(T0, ("redness",)), neutrophils_per_nl=None), "020 7946 0000"
    )
    routine = patient_advice(escalate(CheckIn(T0, ()), neutrophils_per_nl=None), "")
    assert same_day.tone == "same-day" and "today on 020 7946 0000" in same_day.headline
    assert routine.tone == "routine" and routine.headline.startswith("Thank you")
    assert routine.level is EscalationLevel.ROUTINE and not routine.emergency


def _alert(
    level: EscalationLevel,
    *,
    escalated_at: datetime | None = None,
    acknowledged_at: datetime | None = None,
) -> Alert:
    base = Alert(1, 2, 3, 4, level, "r", AlertSource.PATIENT_CHECK_IN, T0, "p")
    return replace(base, escalated_at=escalated_at, acknowledged_at=acknowledged_at)


def test_only_an_open_urgent_alert_past_its_time_is_due_once() -> None:
    after = timedelta(minutes=15)
    at = T0 + after
    assert due_for_escalation(_alert(EscalationLevel.URGENT), at, after)
    assert not due_for_escalation(_alert(EscalationLevel.URGENT), at - timedelta(seconds=1), after)
    assert not due_for_escalation(_alert(EscalationLevel.SAME_DAY), at, after)
    assert not due_for_escalation(_alert(EscalationLevel.URGENT, escalated_at=at), at, after)
    assert not due_for_escalation(_alert(EscalationLevel.URGENT, acknowledged_at=at), at, after)


def test_retries_back_off_and_never_wait_longer_than_the_cap() -> None:
    waits = [retry_at(n, T0) - T0 for n in (1, 2, 3, 50)]
    assert waits[:3] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert waits[3] == BACKOFF_MAX


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("", ""), ("  07700  900123 ", "07700 900123"), ("+44 (20) 7946-0000", "+44 (20) 7946-0000")],
)
def test_a_phone_number_is_kept_tidy(typed: str, kept: str) -> None:
    assert clean_phone(typed) == kept


@pytest.mark.parametrize("typed", ["ring my mum", "12345", "0770+0900123", "1" * 16])
def test_a_phone_number_that_cannot_be_dialled_is_refused_by_its_field(typed: str) -> None:
    with pytest.raises(InvalidInput, match="^phone: "):
        clean_phone(typed)


def test_the_cli_runs_one_round(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from marrowscope.cli.app import app
    from marrowscope.db.migrate import upgrade_database

    url = f"sqlite:///{tmp_path}/cli.db"
    upgrade_database(url)
    monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", url)
    answer = CliRunner().invoke(app, ["alerts", "escalate"])
    assert answer.exit_code == 0, answer.output
    assert answer.output.startswith("escalated 0, queued 0, sent 0")
