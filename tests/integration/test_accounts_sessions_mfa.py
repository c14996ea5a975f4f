"""Accounts and sessions that hold (issue 26 §3): two-step sign-in with single-use codes,
sessions listed and ended by their owner or an admin, a cap per account, writes from
other sites refused, a fresh sign-in token per visit.

The concurrency tests run on SQLite and on PostgreSQL (``MARROWSCOPE_TEST_POSTGRES_URL``;
skipped without it).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    prepare_demo,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.accounts import end_user_sessions
from marrowscope.web.app import create_app
from tests.db_support import database_url


class FakeClock:
    """A clock the test moves by hand (TOTP steps are 30 s)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    with database_url(str(request.param), tmp_path) as url:
        chosen = Settings(database_url=url, mfa_enforce=True, max_sessions_per_user=3)
        prepare_demo(chosen)
        yield chosen


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    chosen = Settings(database_url=f"sqlite:///{tmp_path / 'ms.db'}", mfa_enforce=True)
    prepare_demo(chosen)
    return chosen


def _login(client: TestClient, username: str, password: str) -> TestClient:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token[1]},
        follow_redirects=False,
    )
    client.last = answer  # type: ignore[attr-defined]
    return client


def _form_token(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found[1]


def _enrol(client: TestClient, clock: FakeClock) -> tuple[str, list[str]]:
    """Sign the demo pathologist in through the setup page; the secret and recovery codes."""
    _login(client, "pathologist", "pathologist-demo")
    assert client.last.headers["location"].startswith("/login/mfa/setup")  # type: ignore[attr-defined]
    page = client.get("/login/mfa/setup")
    secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', page.text)
    assert secret is not None
    code = pyotp.TOTP(secret[1]).at(clock.now)
    done = client.post(
        "/login/mfa/setup",
        data={"code": code, "csrf_token": _form_token(client, "/login/mfa/setup")},
    )
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.text)
    return secret[1], codes


def _code_step(client: TestClient, code: str) -> int:
    token = _form_token(client, "/login/mfa")
    answer = client.post(
        "/login/mfa", data={"code": code, "csrf_token": token}, follow_redirects=False
    )
    return answer.status_code


def test_an_enforced_role_gets_no_session_until_its_app_is_set_up(
    sqlite_settings: Settings,
) -> None:
    clock = FakeClock()
    client = TestClient(create_app(sqlite_settings, clock=clock))

    _login(client, "pathologist", "pathologist-demo")
    before = client.get("/pathologist", follow_redirects=False)
    secret, codes = _enrol(client, clock)
    after = client.get("/pathologist", follow_redirects=False)

    assert before.status_code == 303 and before.headers["location"].startswith("/login")
    assert after.status_code == 200
    assert len(secret) >= 32 and len(codes) == 10


def test_a_code_is_taken_once_and_a_recovery_code_once(sqlite_settings: Settings) -> None:
    clock = FakeClock()
    app = create_app(sqlite_settings, clock=clock)
    secret, codes = _enrol(TestClient(app), clock)
    clock.now += timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now)

    first = _code_step(_login(TestClient(app), "pathologist", "pathologist-demo"), code)
    replay = _code_step(_login(TestClient(app), "pathologist", "pathologist-demo"), code)
    recovery = _code_step(_login(TestClient(app), "pathologist", "pathologist-demo"), codes[0])
    recovery_again = _code_step(
        _login(TestClient(app), "pathologist", "pathologist-demo"), codes[0]
    )
    nurse = _login(TestClient(app), "nurse", "nurse-demo").last  # type: ignore[attr-defined]

    assert (first, replay, recovery, recovery_again) == (303, 401, 303, 401)
    assert nurse.status_code == 303 and nurse.headers["location"] == "/nursing"


def test_wrong_codes_meet_the_backoff(sqlite_settings: Settings) -> None:
    clock = FakeClock()
    app = create_app(sqlite_settings, clock=clock)
    secret, _ = _enrol(TestClient(app), clock)
    clock.now += timedelta(seconds=30)
    client = _login(TestClient(app), "pathologist", "pathologist-demo")

    wrong = [_code_step(client, f"{n:06d}") for n in range(6)]
    right_while_paused = _code_step(client, pyotp.TOTP(secret).at(clock.now))

    assert wrong[:4] == [401] * 4 and 429 in wrong
    assert right_while_paused == 429


def test_a_ticket_alone_or_forged_is_no_session(sqlite_settings: Settings) -> None:
    client = _login(TestClient(create_app(sqlite_settings)), "admin", "admin-demo")

    client.cookies.clear()  # the real ticket goes; a forged one comes
    client.cookies.set("ms_mfa", "eyJ1IjoxfQ.AAAA", path="/login")
    forged = client.get("/login/mfa/setup", follow_redirects=False)
    admin_page = client.get("/admin", follow_redirects=False)
    api = client.post("/api/session/mfa", json={"ticket": "eyJ1IjoxfQ.AAAA", "code": "123456"})

    assert forged.status_code == 303 and forged.headers["location"] == "/login"
    assert admin_page.status_code == 303
    assert api.status_code == 401


def _api_sign_in(app: object, username: str, password: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    answer = client.post("/api/session", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def test_a_user_lists_and_ends_a_session_which_is_refused_at_once(settings: Settings) -> None:
    app = create_app(settings)
    desk = _api_sign_in(app, "nurse", "nurse-demo")
    ward = _api_sign_in(app, "nurse", "nurse-demo")
    other = _api_sign_in(app, "lab", "lab-demo")

    listed = desk.get("/api/me/sessions").json()
    ward_id = next(s["id"] for s in listed if not s["current"])
    foreign = other.delete(f"/api/me/sessions/{ward_id}")
    ended = desk.delete(f"/api/me/sessions/{ward_id}")

    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    assert foreign.status_code == 404
    assert ended.status_code == 200
    assert ward.get("/api/me").status_code == 401
    assert desk.get("/api/me").status_code == 200


def test_an_admin_ends_every_session_of_a_user(settings: Settings) -> None:
    app = create_app(settings)
    nurse = _api_sign_in(app, "nurse", "nurse-demo")
    nurse_again = _api_sign_in(app, "nurse", "nurse-demo")
    lab = _api_sign_in(app, "lab", "lab-demo")
    accounts = build_account_services(build_uow_factory(build_engine(settings)), settings)
    with accounts.uow_factory() as uow:
        found = uow.bind(accounts.stores.users).by_username("nurse")
    assert found is not None

    refused = lab.delete(f"/api/users/{found[0].id}/sessions")
    still = nurse.get("/api/me").status_code
    ended = end_user_sessions(accounts.auth, Actor("admin", Role.ADMIN), found[0].id)

    assert refused.status_code == 403 and still == 200
    assert ended == 2
    assert nurse.get("/api/me").status_code == 401
    assert nurse_again.get("/api/me").status_code == 401
    assert lab.get("/api/me").status_code == 200


def test_simultaneous_sign_ins_never_pass_the_cap(settings: Settings) -> None:
    app = create_app(settings)
    # five: the sign-in brake counts every attempt before its password is checked, and
    # pauses the account at the fifth still in flight
    start = threading.Barrier(5)
    clients = [TestClient(app) for _ in range(5)]
    answers: list[int] = []

    def sign_in(client: TestClient) -> None:
        start.wait()
        got = client.post("/api/session", json={"username": "nurse", "password": "nurse-demo"})
        answers.append(got.status_code)

    _run(sign_in, clients)
    alive = [c for c in clients if c.get("/api/me").status_code == 200]

    assert answers == [200] * 5
    assert len(alive) == 3  # settings.max_sessions_per_user: the oldest ones ended


def test_the_same_code_sent_at_once_signs_in_once(settings: Settings) -> None:
    clock = FakeClock()
    app = create_app(settings, clock=clock)
    secret, _ = _enrol(TestClient(app), clock)
    clock.now += timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now)
    clients = [_login(TestClient(app), "pathologist", "pathologist-demo") for _ in range(6)]
    tokens = [_form_token(c, "/login/mfa") for c in clients]
    start = threading.Barrier(6)
    answers: list[int] = []

    def send(pair: tuple[TestClient, str]) -> None:
        start.wait()
        got = pair[0].post(
            "/login/mfa", data={"code": code, "csrf_token": pair[1]}, follow_redirects=False
        )
        answers.append(got.status_code)

    _run(send, list(zip(clients, tokens, strict=True)))

    # one signs in; the others are refused (401, or 429 once the code brake pauses)
    assert answers.count(303) == 1
    assert sorted(set(answers) - {303}) in ([401], [401, 429])


def _run(target: Callable[[object], None], items: list[object]) -> None:  # type: ignore[type-arg]
    threads = [threading.Thread(target=target, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def test_a_write_from_another_site_is_refused(sqlite_settings: Settings) -> None:
    client = _api_sign_in(create_app(sqlite_settings), "nurse", "nurse-demo")
    body = {"current_password": "nurse-demo", "new_password": "kettle tray at seven"}

    evil = client.post("/api/me/password", json=body, headers={"Origin": "https://evil.example"})
    null = client.post("/api/me/password", json=body, headers={"Origin": "null"})
    referer = client.post(
        "/api/me/password", json=body, headers={"Referer": "https://evil.example/x"}
    )
    login = TestClient(create_app(sqlite_settings)).post(
        "/login", data={"username": "nurse", "password": "nurse-demo"},
        headers={"Origin": "https://evil.example"},
    )  # fmt: skip
    same = client.get("/api/me", headers={"Origin": "https://evil.example"})
    own = client.post("/api/me/password", json=body, headers={"Origin": "http://testserver"})

    assert [r.status_code for r in (evil, null, referer, login)] == [403] * 4
    assert "cross-site" in evil.json()["detail"]
    assert same.status_code == 200  # reads are not writes
    assert own.status_code == 200


def test_every_visit_to_the_sign_in_page_sets_a_fresh_token(sqlite_settings: Settings) -> None:
    client = TestClient(create_app(sqlite_settings))
    client.cookies.set("ms_pre", "planted-by-someone-else")

    first = client.get("/login")
    second = client.get("/login")

    assert "planted-by-someone-else" not in first.text
    assert first.cookies.get("ms_pre") != second.cookies.get("ms_pre")
