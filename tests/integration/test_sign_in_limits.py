"""Sign-in limits that hold (issue 26 §2): the check and the count are one step, a
known device is not shut out by the address limit or a guesser elsewhere, and the
account holder hears of a lockout.

The concurrency test runs on SQLite and on PostgreSQL (``MARROWSCOPE_TEST_POSTGRES_URL``;
skipped without it): twenty threads, each its own client of one app, post a wrong
password for one account at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.web.app import create_app
from tests.db_support import database_url

RIGHT = {"pathologist": "pathologist-demo", "nurse": "nurse-demo"}


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    with database_url(str(request.param), tmp_path) as url:
        chosen = Settings(database_url=url)
        prepare_demo(chosen)
        yield chosen


def _sign_in(client: TestClient, username: str, password: str) -> int:
    answer = client.post("/api/session", json={"username": username, "password": password})
    return answer.status_code


def test_twenty_simultaneous_wrong_passwords_meet_the_limit(settings: Settings) -> None:
    app = create_app(settings)
    clients = [TestClient(app) for _ in range(20)]
    start = threading.Barrier(len(clients))
    answers: list[int] = []
    lock = threading.Lock()

    def guess(client: TestClient) -> None:
        start.wait()
        status = _sign_in(client, "pathologist", "wrong guess")
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=guess, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    right_after = _sign_in(TestClient(app), "pathologist", RIGHT["pathologist"])

    assert len(answers) == 20
    assert 200 not in answers
    assert 429 in answers
    assert answers.count(401) <= 5  # never more guesses checked than the limit allows
    assert right_after == 429  # the account is paused, even for the right password


def test_random_usernames_from_one_address_do_not_shut_out_a_known_device(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ward.db'}")
    prepare_demo(settings)
    app = create_app(settings)
    ward_pc, guesser, newcomer = TestClient(app), TestClient(app), TestClient(app)
    assert _sign_in(ward_pc, "pathologist", RIGHT["pathologist"]) == 200  # device known

    failures = [_sign_in(guesser, f"nobody{n}", "guess") for n in range(34)]
    targeted = [_sign_in(guesser, "pathologist", "guess") for _ in range(6)]
    known_device = _sign_in(ward_pc, "pathologist", RIGHT["pathologist"])
    unknown_device = _sign_in(newcomer, "nurse", RIGHT["nurse"])

    assert failures[:30] == [401] * 30 and failures[30:] == [429] * 4
    assert set(targeted) == {429}  # the address is over its limit for the guesser
    assert known_device == 200
    assert unknown_device == 429  # the address limit still holds for unknown devices


def test_a_lockout_is_told_to_the_account_holder_once(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'notice.db'}")
    prepare_demo(settings)
    clock = FakeClock()
    client = TestClient(create_app(settings, clock=clock))

    wrong = [_sign_in(client, "nurse", "guess") for _ in range(5)]
    paused = _sign_in(client, "nurse", RIGHT["nurse"])
    clock.now += timedelta(seconds=61)
    first = client.post("/api/session", json={"username": "nurse", "password": RIGHT["nurse"]})
    second = client.post("/api/session", json={"username": "nurse", "password": RIGHT["nurse"]})

    assert wrong == [401] * 5 and paused == 429
    assert first.status_code == 200
    [notice] = first.json()["notices"]
    assert "paused" in notice and "5 wrong passwords" in notice
    assert second.json()["notices"] == []


def test_the_pause_doubles_with_each_failure_after_it(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'backoff.db'}")
    prepare_demo(settings)
    clock = FakeClock()
    client = TestClient(create_app(settings, clock=clock))

    assert [_sign_in(client, "nurse", "guess") for _ in range(5)] == [401] * 5
    clock.now += timedelta(seconds=61)
    assert _sign_in(client, "nurse", "guess") == 401  # the sixth: paused for 120 s
    clock.now += timedelta(seconds=61)
    still = _sign_in(client, "nurse", RIGHT["nurse"])
    clock.now += timedelta(seconds=60)
    later = _sign_in(client, "nurse", RIGHT["nurse"])

    assert still == 429 and later == 200
