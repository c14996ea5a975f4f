"""One's own two-step sign-in turned on, off and given new recovery codes, an admin's
reset of another person's, and the secrets sealed at rest.

Tests that race two requests, and the reset, run on SQLite and on PostgreSQL
(``MARROWSCOPE_TEST_POSTGRES_URL``; skipped without it).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.db.migrate import alembic_config, upgrade_database
from marrowscope.web.app import create_app
from tests.db_support import database_url


class FakeClock:
    """A clock the test moves by hand (TOTP steps are 30 s)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def code(self, secret: str) -> str:
        """The app's code for ``secret`` at the next time step (a step is taken once)."""
        self.now += timedelta(seconds=30)
        return pyotp.TOTP(secret).at(self.now)


@pytest.fixture(params=["sqlite", "postgresql"])
def both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    with database_url(str(request.param), tmp_path) as url:
        chosen = Settings(database_url=url, mfa_enforce=True)
        prepare_demo(chosen)
        yield chosen


@pytest.fixture
def sqlite(tmp_path: Path) -> Settings:
    chosen = Settings(database_url=f"sqlite:///{tmp_path / 'ms.db'}", mfa_enforce=True)
    prepare_demo(chosen)
    return chosen


def _api(app: Any, username: str, password: str | None = None) -> TestClient:
    client = TestClient(app)
    answer = client.post(
        "/api/session", json={"username": username, "password": password or f"{username}-demo"}
    )
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def _enrol_api(client: TestClient, clock: FakeClock, password: str) -> tuple[str, list[str]]:
    secret = client.post("/api/me/two-step", json={"password": password}).json()["secret"]
    done = client.post("/api/me/two-step/confirm", json={"code": clock.code(secret)})
    assert done.status_code == 200, done.text
    return secret, done.json()["recovery_codes"]


def _code_sign_in(app: Any, username: str, code: str) -> int:
    """Password, then ``code`` through the API; the code step's status."""
    client = TestClient(app)
    first = client.post("/api/session", json={"username": username, "password": f"{username}-demo"})
    assert first.status_code == 401 and "ticket" in first.json(), first.text
    return client.post(
        "/api/session/mfa", json={"ticket": first.json()["ticket"], "code": code}
    ).status_code


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found[1]


def _browser_login(client: TestClient, username: str) -> str:
    token = _csrf(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"username": username, "password": f"{username}-demo", "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def _audit(settings: Settings, user_id: int) -> list[dict[str, Any]]:
    engine = sa.create_engine(settings.database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT actor_username, changes FROM audit_log WHERE entity = 'user' "
                "AND entity_id = :id ORDER BY id"
            ),
            {"id": str(user_id)},
        ).all()
    engine.dispose()
    return [
        {"by": r[0], "changes": json.loads(r[1]) if isinstance(r[1], str) else r[1]} for r in rows
    ]


def _user_id(settings: Settings, username: str) -> int:
    engine = sa.create_engine(settings.database_url)
    with engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT id FROM users WHERE username = :u"), {"u": username}
        ).scalar_one()
    engine.dispose()
    return int(found)


def test_a_voluntary_enrolment_on_the_page_makes_the_next_sign_in_ask_for_a_code(
    sqlite: Settings,
) -> None:
    clock = FakeClock()
    app = create_app(sqlite, clock=clock)
    client = TestClient(app)
    _browser_login(client, "clinician")
    page = client.get("/account/security").text
    token = _csrf(page)

    wrong = client.post("/account/security/enrol", data={"password": "x", "csrf_token": token})
    started = client.post(
        "/account/security/enrol", data={"password": "clinician-demo", "csrf_token": token}
    )
    secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', started.text)
    assert secret is not None
    revisit = client.get("/account/security").text
    done = client.post(
        "/account/security/confirm", data={"code": clock.code(secret[1]), "csrf_token": token}
    )
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.text)
    later = TestClient(app)
    step = _browser_login(later, "clinician")
    code_page = later.get("/login/mfa").text
    signed_in = later.post(
        "/login/mfa",
        data={"code": clock.code(secret[1]), "csrf_token": _csrf(code_page)},
        follow_redirects=False,
    )

    assert "is <strong>off</strong>" in page and 'id="enrol-form"' in page
    assert wrong.status_code == 401 and "mfa-secret" not in wrong.text
    assert "otpauth://totp/" in started.text and "data:image/svg+xml;" in started.text
    assert secret[1] not in revisit and 'id="confirm-form"' in revisit  # the key shown once
    assert done.status_code == 200 and len(codes) == 10
    assert step.startswith("/login/mfa") and not step.startswith("/login/mfa/setup")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/clinician"


def test_turning_it_off_takes_the_password_and_a_current_code(sqlite: Settings) -> None:
    clock = FakeClock()
    app = create_app(sqlite, clock=clock)
    nurse = _api(app, "nurse")
    secret, _ = _enrol_api(nurse, clock, "nurse-demo")

    no_code = nurse.post("/api/me/two-step/off", json={"password": "nurse-demo", "code": ""})
    wrong_password = nurse.post(
        "/api/me/two-step/off", json={"password": "nurse-dem0", "code": clock.code(secret)}
    )
    wrong_code = nurse.post("/api/me/two-step/off", json={"password": "nurse-demo", "code": "1"})
    still_on = nurse.get("/api/me/two-step").json()
    off = nurse.post(
        "/api/me/two-step/off", json={"password": "nurse-demo", "code": clock.code(secret)}
    )
    password_alone = TestClient(app).post(
        "/api/session", json={"username": "nurse", "password": "nurse-demo"}
    )
    trail = [e["changes"] for e in _audit(sqlite, _user_id(sqlite, "nurse"))]

    assert no_code.status_code == 422 and "code" in no_code.json()["detail"]
    assert wrong_password.status_code == 401 and wrong_code.status_code == 401
    assert still_on["on"] is True and still_on["required"] is False
    assert off.status_code == 200 and password_alone.status_code == 200
    assert [c["two_step_sign_in"] for c in trail if "two_step_sign_in" in c] == [
        {"old": "off", "new": "on"},
        {"old": "on", "new": "off"},
    ]


def test_an_enforced_role_cannot_turn_it_off(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ms.db'}"
    free = Settings(database_url=url, mfa_enforce=False)
    prepare_demo(free)
    clock = FakeClock()
    secret, _ = _enrol_api(
        _api(create_app(free, clock=clock), "pathologist"), clock, "pathologist-demo"
    )
    enforced = create_app(Settings(database_url=url, mfa_enforce=True), clock=clock)
    client = TestClient(enforced)
    ticket = client.post(
        "/api/session", json={"username": "pathologist", "password": "pathologist-demo"}
    ).json()["ticket"]
    answer = client.post("/api/session/mfa", json={"ticket": ticket, "code": clock.code(secret)})
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]

    refused = client.post(
        "/api/me/two-step/off", json={"password": "pathologist-demo", "code": clock.code(secret)}
    )
    page = client.get("/account/security").text

    assert refused.status_code == 422 and "required for the pathologist role" in refused.text
    assert client.get("/api/me/two-step").json() == {
        "on": True, "pending": False, "required": True, "recovery_codes_left": 10,
    }  # fmt: skip
    assert 'id="off-form"' not in page and 'id="codes-form"' in page


def test_new_recovery_codes_take_the_password_and_stop_the_old_ones(sqlite: Settings) -> None:
    clock = FakeClock()
    app = create_app(sqlite, clock=clock)
    lab = _api(app, "lab")
    _, old = _enrol_api(lab, clock, "lab-demo")

    no_password = lab.post("/api/me/two-step/recovery-codes", json={"password": ""})
    new = lab.post("/api/me/two-step/recovery-codes", json={"password": "lab-demo"})
    fresh = new.json()["recovery_codes"]

    assert no_password.status_code == 422
    assert new.status_code == 200 and len(fresh) == 10 and not set(fresh) & set(old)
    assert _code_sign_in(app, "lab", old[0]) == 401
    assert _code_sign_in(app, "lab", fresh[0]) == 200


def test_an_admin_reset_is_audited_ends_the_sessions_and_forces_enrolment(
    both: Settings, tmp_path: Path
) -> None:
    free = Settings(database_url=both.database_url, mfa_enforce=False)
    clock = FakeClock()
    free_app = create_app(free, clock=clock)
    pathologist = _api(free_app, "pathologist")
    _enrol_api(pathologist, clock, "pathologist-demo")
    admin, nurse = _api(free_app, "admin"), _api(free_app, "nurse")
    target = _user_id(both, "pathologist")

    by_nurse = nurse.post(f"/api/users/{target}/two-step/reset", json={"password": "nurse-demo"})
    wrong = admin.post(f"/api/users/{target}/two-step/reset", json={"password": "nope"})
    own = admin.post(
        f"/api/users/{_user_id(both, 'admin')}/two-step/reset", json={"password": "admin-demo"}
    )
    still = pathologist.get("/api/me").status_code
    reset = admin.post(f"/api/users/{target}/two-step/reset", json={"password": "admin-demo"})
    after = pathologist.get("/api/me").status_code
    next_sign_in = _browser_login(TestClient(create_app(both, clock=clock)), "pathologist")
    trail = _audit(both, target)

    assert by_nurse.status_code == 403 and own.status_code == 403 and wrong.status_code == 401
    assert still == 200
    assert reset.status_code == 200 and reset.json() == {"had_two_step": True}
    assert after == 401  # the sessions ended with it
    assert next_sign_in.startswith("/login/mfa/setup")
    assert any(
        e["by"] == "admin"
        and e["changes"].get("two_step_sign_in", {}).get("new") == "reset by an admin"
        for e in trail
    ), trail


def test_the_admin_page_resets_and_refuses_a_wrong_password(sqlite: Settings) -> None:
    clock = FakeClock()
    app = create_app(Settings(database_url=sqlite.database_url, mfa_enforce=False), clock=clock)
    _enrol_api(_api(app, "morphologist"), clock, "morphologist-demo")
    client = TestClient(app)
    _browser_login(client, "admin")
    target = _user_id(sqlite, "morphologist")
    page = client.get(f"/admin/users/{target}/two-step").text

    wrong = client.post(
        f"/admin/users/{target}/two-step/reset", data={"password": "x", "csrf_token": _csrf(page)}
    )
    done = client.post(
        f"/admin/users/{target}/two-step/reset",
        data={"password": "admin-demo", "csrf_token": _csrf(page)},
    )

    assert "<strong>on</strong>" in page
    assert wrong.status_code == 401 and "<strong>on</strong>" in wrong.text
    assert done.status_code == 200 and "<strong>off</strong>" in done.text


def _stored_secret(settings: Settings, username: str) -> str:
    engine = sa.create_engine(settings.database_url)
    with engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT secret FROM mfa_secrets WHERE user_id = :u"),
            {"u": _user_id(settings, username)},
        ).scalar_one()
    engine.dispose()
    return str(found)


def test_the_secret_is_stored_sealed_and_another_key_is_a_clear_refusal(
    sqlite: Settings,
) -> None:
    clock = FakeClock()
    secret, _ = _enrol_api(_api(create_app(sqlite, clock=clock), "nurse"), clock, "nurse-demo")
    stored = _stored_secret(sqlite, "nurse")
    other_key = "A" * 43 + "="  # 32 zero bytes: a valid key, not this server's
    moved = create_app(
        Settings(database_url=sqlite.database_url, mfa_enforce=True, mfa_key=other_key),
        clock=clock,
    )
    client = TestClient(moved)
    ticket = client.post(
        "/api/session", json={"username": "nurse", "password": "nurse-demo"}
    ).json()["ticket"]

    refused = client.post("/api/session/mfa", json={"ticket": ticket, "code": clock.code(secret)})

    assert stored.startswith("v1:") and secret not in stored and secret.lower() not in stored
    assert refused.status_code == 401
    assert "ask an admin to reset your two-step sign-in" in refused.json()["detail"]


def test_the_migration_seals_the_secrets_stored_as_text(both: Settings) -> None:
    config = alembic_config(both.database_url)
    command.downgrade(config, "security_0003")
    secret = pyotp.random_base32()
    nurse = _user_id(both, "nurse")
    engine = sa.create_engine(both.database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO mfa_secrets (user_id, secret, created_at, confirmed_at) "
                "VALUES (:u, :s, :t, :t)"
            ),
            {"u": nurse, "s": secret, "t": datetime(2026, 11, 1, tzinfo=UTC)},
        )
    engine.dispose()

    upgrade_database(both.database_url)
    stored = _stored_secret(both, "nurse")
    upgrade_database(both.database_url)  # a second run changes nothing
    clock = FakeClock()
    signed_in = _code_sign_in(create_app(both, clock=clock), "nurse", clock.code(secret))

    assert stored.startswith("v1:") and secret not in stored
    assert _stored_secret(both, "nurse") == stored
    assert signed_in == 200


def test_the_same_first_code_sent_twice_at_once_turns_it_on_once(both: Settings) -> None:
    clock = FakeClock()
    app = create_app(both, clock=clock)
    clients = [_api(app, "clinician") for _ in range(2)]
    secret = clients[0].post("/api/me/two-step", json={"password": "clinician-demo"}).json()
    code = clock.code(secret["secret"])
    start = threading.Barrier(2)
    answers: list[int] = []

    def send(client: TestClient) -> None:
        start.wait()
        answers.append(client.post("/api/me/two-step/confirm", json={"code": code}).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    engine = sa.create_engine(both.database_url)
    with engine.connect() as conn:
        codes = conn.execute(
            sa.text("SELECT count(*) FROM mfa_recovery_codes WHERE user_id = :u"),
            {"u": _user_id(both, "clinician")},
        ).scalar_one()
    engine.dispose()

    assert sorted(answers)[0] == 200 and sorted(answers)[1] in (401, 422), answers
    assert codes == 10  # one set of recovery codes, the one that was shown
