"""Sessions end on time and on idleness, sign-in limits hold across processes, and a
password change signs the account out everywhere else (issue 17 §6).

Time is a fake clock handed to ``create_app``: the server checks expiry against the
database units' clock, so a test moves it instead of sleeping. Two app instances with
two engines on one database file stand for two server processes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.services.accounts import DEMO_USERS
from marrowscope.services.accounts.auth import MAX_FAILURES, MAX_FAILURES_PER_CLIENT
from marrowscope.web.app import create_app

PASSWORDS = {u.username: u.password for u in DEMO_USERS}


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    chosen = Settings(
        database_url=f"sqlite:///{tmp_path / 'security.db'}",
        session_hours=1,
        session_idle_minutes=30,
    )
    prepare_demo(chosen)
    return chosen


def _sign_in(client: TestClient, username: str, password: str | None = None) -> int:
    answer = client.post(
        "/api/session",
        json={"username": username, "password": password or PASSWORDS[username]},
    )
    return answer.status_code


def test_a_session_ends_after_the_idle_limit_but_not_before(settings: Settings) -> None:
    clock = FakeClock()
    long_lived = settings.model_copy(update={"session_hours": 12.0})
    with TestClient(create_app(long_lived, clock=clock)) as client:
        assert _sign_in(client, "pathologist") == 200

        clock.advance(minutes=29)
        kept = client.get("/api/cases").status_code
        clock.advance(minutes=29)  # 29 minutes after the last request: still alive
        kept_again = client.get("/api/cases").status_code
        clock.advance(minutes=31)
        ended = client.get("/api/cases").status_code
        clock.advance(minutes=-31)  # the session is gone, not just refused
        still_ended = client.get("/api/cases").status_code

    assert (kept, kept_again) == (200, 200)
    assert (ended, still_ended) == (401, 401)


def test_a_busy_session_still_ends_at_its_lifetime(settings: Settings) -> None:
    clock = FakeClock()
    with TestClient(create_app(settings, clock=clock)) as client:
        assert _sign_in(client, "pathologist") == 200
        answers = []
        for _ in range(6):  # a request every 9 minutes: never idle
            clock.advance(minutes=9)
            answers.append(client.get("/api/cases").status_code)
        clock.advance(minutes=7)  # 61 minutes after sign-in, with session_hours=1
        answers.append(client.get("/api/cases").status_code)

    assert answers == [200] * 6 + [401]


def test_the_per_account_limit_holds_across_two_server_processes(settings: Settings) -> None:
    clock = FakeClock()
    first = TestClient(create_app(settings, clock=clock))
    second = TestClient(create_app(settings, clock=clock))

    wrong = [
        _sign_in(first if i % 2 else second, "lab", "wrong guess") for i in range(MAX_FAILURES)
    ]
    refused_elsewhere = _sign_in(second, "lab")  # right password, but over the limit
    clock.advance(minutes=6)  # past the 5-minute window
    later = _sign_in(first, "lab")

    assert wrong == [401] * MAX_FAILURES
    assert refused_elsewhere == 429
    assert later == 200


def test_the_per_address_limit_holds_across_two_server_processes(settings: Settings) -> None:
    clock = FakeClock()
    apps = [TestClient(create_app(settings, clock=clock)) for _ in range(2)]

    for i in range(MAX_FAILURES_PER_CLIENT):  # a new username each time: no account limit
        assert _sign_in(apps[i % 2], f"nobody{i}", "guess") == 401
    refused = [_sign_in(app, "nurse") for app in apps]

    assert refused == [429, 429]


def test_changing_a_password_ends_the_users_other_sessions(settings: Settings) -> None:
    app = create_app(settings)
    desk, ward = TestClient(app), TestClient(app)
    assert _sign_in(desk, "morphologist") == 200
    assert _sign_in(ward, "morphologist") == 200
    csrf = desk.post(
        "/api/session", json={"username": "morphologist", "password": PASSWORDS["morphologist"]}
    ).json()["csrf_token"]

    changed = desk.post(
        "/api/me/password",
        json={
            "current_password": PASSWORDS["morphologist"],
            "new_password": "Ochre-kettle-slide-42",
        },
        headers={"X-CSRF-Token": csrf},
    )

    assert changed.status_code in (200, 204), changed.text
    assert desk.get("/api/cases").status_code != 401
    assert ward.get("/api/cases").status_code == 401
