"""No patient data in the server log (issue 17 §6): a demo walked by every role, with
every logger at DEBUG, leaves no demo patient's name, MRN or date of birth in the log.

Each demo account signs in, opens its landing page and follows the links there (GET
only), then meets a few refusals: a wrong sign-in typed with an MRN, a bad registration
carrying a patient's name, a case that does not exist, a write without its CSRF token.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.services.accounts import DEMO_USERS
from marrowscope.web.app import create_app

_LINK = re.compile(r'href="(/[^"#?]*)"')
_SKIP = ("/static", "/logout", "/sign-out", "/session")
MAX_LINKS_PER_ROLE = 40


def _identifiers(url: str) -> list[str]:
    """Every demo patient's MRN, names and date of birth, in the ways a log could write them."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT mrn, family_name, given_name, birth_date FROM patient")
        ).all()
    engine.dispose()
    out: list[str] = []
    for mrn, family, given, born in rows:
        day = sa.Date().result_processor(engine.dialect, None)
        born_text = str(born if day is None else day(born))
        y, m, d = born_text.split("-")
        out += [mrn, f"{given} {family}", f"{family}, {given}", given, born_text]
        out += [f"{d}/{m}/{y}", f"{d}.{m}.{y}", f"{y}{m}{d}"]
    return out


def _walk(client: TestClient, username: str, password: str) -> int:
    client.cookies.clear()
    signed = client.post("/api/session", json={"username": username, "password": password})
    assert signed.status_code == 200, signed.text
    landing = client.get("/", follow_redirects=True)
    seen = {"/"}
    queue = _LINK.findall(landing.text)
    visited = 0
    while queue and visited < MAX_LINKS_PER_ROLE:
        path = queue.pop(0)
        if path in seen or path.startswith(_SKIP):
            continue
        seen.add(path)
        page = client.get(path, follow_redirects=True)
        visited += 1  # a 500 too: its log line must not name the patient either
        if page.headers.get("content-type", "").startswith("text/html"):
            queue += _LINK.findall(page.text)
    return visited


def _refusals(client: TestClient, mrn: str, family: str) -> None:
    client.cookies.clear()
    client.post("/api/session", json={"username": mrn, "password": family})
    signed = client.post(
        "/api/session", json={"username": "clinician", "password": "clinician-demo"}
    )
    csrf = signed.json()["csrf_token"]
    client.post(
        "/api/patients",
        json={"mrn": mrn, "family_name": family, "given_name": family, "birth_date": "x"},
        headers={"X-CSRF-Token": csrf},
    )
    client.post(
        "/api/patients",
        json={
            "mrn": mrn,
            "family_name": family,
            "given_name": family,
            "birth_date": "1960-01-01",
            "sex": "female",
        },
        headers={"X-CSRF-Token": csrf},
    )  # a duplicate MRN
    client.post("/api/patients", json={"mrn": mrn, "family_name": family})  # no CSRF token
    client.get("/api/cases/2147483647")
    client.get(f"/api/patients?mrn={mrn}")


def test_a_demo_walked_by_every_role_logs_no_patient_identifier(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'privacy.db'}")
    prepare_demo(settings)
    secrets = _identifiers(settings.database_url)
    mrn, family = secrets[0], secrets[1].split()[-1]

    with caplog.at_level(logging.DEBUG), TestClient(create_app(settings)) as client:
        for name in ("", "marrowscope", "sqlalchemy", "uvicorn", "fastapi"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        visited = {u.username: _walk(client, u.username, u.password) for u in DEMO_USERS}
        _refusals(client, mrn, family)

    # the server's log: everything but the test client's own request lines (httpx)
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    log = "\n".join(f"{r.name} {r.getMessage()}" for r in server)
    found = sorted({s for s in secrets if s in log})
    assert all(n > 0 for n in visited.values()), visited
    assert len(server) > 50  # the log did capture the walk
    assert found == [], [line for line in log.splitlines() if any(s in line for s in found)][:5]
