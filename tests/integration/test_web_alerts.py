"""The escalation walk through the real app (issue 18): a patient's urgent check-in over
the API reaches the nurse's alerts, in the header count and on the case page, and is
acknowledged once with an audited note."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.services.accounts import DEMO_USERS
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase

PASSWORDS = {u.username: u.password for u in DEMO_USERS}
URGENT = {"symptoms": ["fever", "bleeding_not_stopped"], "temperature_c": 38.6, "notes": ""}


@pytest.fixture(scope="module")
def web(web_database: WebDatabase) -> Iterator[tuple[TestClient, DemoIds, str]]:
    url = web_database("alerts")
    settings = Settings(database_url=url, timezone="Europe/London")
    ids = prepare_demo(settings)
    with TestClient(create_app(settings)) as client:
        yield client, ids, url


def _api_session(client: TestClient, username: str) -> dict[str, str]:
    """Sign in over the API; the headers a write then needs."""
    client.cookies.clear()
    answer = client.post(
        "/api/session", json={"username": username, "password": PASSWORDS[username]}
    )
    assert answer.status_code == 200, answer.text
    return {"X-CSRF-Token": answer.json()["csrf_token"]}


def _audit(url: str, entity: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT action, actor_username FROM audit_log WHERE entity = :e ORDER BY id"),
            {"e": entity},
        ).all()
    engine.dispose()
    return [(r[0], r[1]) for r in rows]


def test_patient_check_in_reaches_the_nurse_and_is_acknowledged(
    web: tuple[TestClient, DemoIds, str],
) -> None:
    client, ids, url = web
    patient = _api_session(client, "patient")
    own = client.get("/api/cases").json()
    sent = client.post(f"/api/cases/{ids.case_id}/check-ins", json=URGENT, headers=patient)

    assert [c["patient_id"] for c in own] == [ids.patient_id]
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["level"] == "urgent" and isinstance(body["alert_id"], int)

    nurse = _api_session(client, "nurse")
    [alert] = [a for a in client.get("/api/alerts").json()["alerts"] if a["id"] == body["alert_id"]]
    assert (alert["case_id"], alert["patient_id"], alert["level"]) == (
        ids.case_id,
        ids.patient_id,
        "urgent",
    )
    assert "Bleeding that does not stop" in alert["reason"]
    assert alert["acknowledged_at"] is None and alert["raised_at"].endswith("+00:00")

    inbox = client.get("/alerts")
    case_page = client.get(f"/nursing/cases/{ids.case_id}")
    assert re.search(r'id="alert-count">\s*[1-9]', inbox.text)
    assert f'id="alert-{alert["id"]}"' in inbox.text and "Urgent" in inbox.text
    assert "the patient (Demo Patient)" in inbox.text and "urgent" not in _visible(inbox.text)
    assert re.search(r"(GMT|BST)", inbox.text)  # local time of Europe/London, named
    assert 'id="case-alerts"' in case_page.text
    assert "Bleeding that does not stop" in case_page.text.split('id="check-ins"')[1]

    done = client.post(
        f"/api/alerts/{alert['id']}/acknowledge", json={"note": "Phoned; sent to ED"}, headers=nurse
    )
    again = client.post(
        f"/api/alerts/{alert['id']}/acknowledge", json={"note": "Phoned"}, headers=nurse
    )

    assert done.status_code == 200 and done.json()["acknowledged_by"] == "nurse"
    assert again.status_code == 409
    open_ids = [a["id"] for a in client.get("/api/alerts").json()["alerts"]]
    all_ids = [a["id"] for a in client.get("/api/alerts?state=all").json()["alerts"]]
    assert alert["id"] not in open_ids and alert["id"] in all_ids
    assert ("update", "nurse") in _audit(url, "alert")
    assert 'id="case-alerts"' not in client.get(f"/nursing/cases/{ids.case_id}").text


def _visible(html: str) -> str:
    """The text a person reads (tags and attribute values dropped)."""
    return re.sub(r"<[^>]+>", " ", html.split("<main>")[1])


def test_the_inbox_form_acknowledges_with_a_note_and_needs_the_csrf_token(
    web: tuple[TestClient, DemoIds, str],
) -> None:
    client, ids, url = web
    patient = _api_session(client, "patient")
    alert_id = client.post(
        f"/api/cases/{ids.case_id}/check-ins", json={"symptoms": ["redness"]}, headers=patient
    ).json()["alert_id"]
    nurse = _api_session(client, "proceduralist")

    forged = client.post(f"/alerts/{alert_id}/acknowledge", data={"note": "x"})
    empty = client.post(
        f"/alerts/{alert_id}/acknowledge",
        data={"note": " ", "csrf_token": nurse["X-CSRF-Token"]},
    )
    sent = client.post(
        f"/alerts/{alert_id}/acknowledge",
        data={"note": "Phoned; review tomorrow", "csrf_token": nurse["X-CSRF-Token"]},
        follow_redirects=False,
    )

    assert forged.status_code == 403 and empty.status_code == 422
    assert sent.status_code == 303
    shown = client.get("/alerts?state=all").text
    assert "Phoned; review tomorrow" in shown and "Dr Paul Proceduralist" in shown


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"symptoms": ["fever", "headache"]}, "symptoms: unknown headache"),
        ({"symptoms": [], "temperature_c": 52}, "temperature_c"),
    ],
)
def test_bad_check_ins_get_a_one_line_422(
    web: tuple[TestClient, DemoIds, str], body: dict[str, object], detail: str
) -> None:
    client, ids, _ = web
    patient = _api_session(client, "patient")

    answer = client.post(f"/api/cases/{ids.case_id}/check-ins", json=body, headers=patient)

    assert answer.status_code == 422
    assert detail in answer.json()["detail"] and "\n" not in answer.json()["detail"]


def test_a_patient_may_check_in_on_their_own_case_only(
    web: tuple[TestClient, DemoIds, str],
) -> None:
    client, ids, _ = web
    other = _api_session(client, "patient2")

    theirs = client.post(f"/api/cases/{ids.case_id}/check-ins", json=URGENT, headers=other)
    missing = client.post("/api/cases/987654/check-ins", json=URGENT, headers=other)
    listed = client.get("/api/cases").json()

    assert theirs.status_code == missing.status_code == 403
    assert all(c["patient_id"] == ids.other_patient_id for c in listed)


def test_a_routine_check_in_raises_no_alert(web: tuple[TestClient, DemoIds, str]) -> None:
    client, ids, _ = web
    nurse = _api_session(client, "nurse")

    answer = client.post(f"/api/cases/{ids.case_id}/check-ins", json={}, headers=nurse)

    assert answer.status_code == 201
    assert answer.json()["level"] == "routine" and answer.json()["alert_id"] is None
