"""A warning sign through the real app: the patient is told what to do at once, the alert
carries their number and words, the app's own background loop escalates it after its
time (an injected clock) and e-mails a local SMTP server, and the case page then says
what was done."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.services.accounts import DEMO_USERS
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase

PASSWORDS = {u.username: u.password for u in DEMO_USERS}
RED_FLAG = {
    "symptoms": ["fever", "bleeding_not_stopped"],
    "temperature_c": "38.6",
    "notes": "Dressing soaked twice tonight",
}


class Clock:
    """The app's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[int, list[Any]]]:
    controller_module = pytest.importorskip("aiosmtpd.controller")
    received: list[Any] = []

    class Keep:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            received.append(envelope)
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = controller_module.Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


@pytest.fixture(scope="module")
def web(
    web_database: WebDatabase, mailbox: tuple[int, list[Any]]
) -> Iterator[tuple[TestClient, DemoIds, Clock]]:
    settings = Settings(
        database_url=web_database("alert_escalation"),
        alert_check_seconds=0.2,
        alert_smtp_host="127.0.0.1",
        alert_smtp_port=mailbox[0],
        alert_email_care_team="ward@example.org",
        alert_email_on_call="oncall@example.org",
        public_url="https://ms.example.org",
    )
    ids = prepare_demo(settings)
    clock = Clock()
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client, ids, clock


def _session(client: TestClient, username: str) -> str:
    client.cookies.clear()
    answer = client.post(
        "/api/session", json={"username": username, "password": PASSWORDS[username]}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf_token"])


def _until(check: Any, seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("not reached in time")


def test_a_red_flag_check_in_tells_the_patient_to_act_now(
    web: tuple[TestClient, DemoIds, Clock],
) -> None:
    client, ids, _ = web
    csrf = _session(client, "patient")
    sent = client.post(f"/patient/{ids.patient_id}/check-in", data={**RED_FLAG, "csrf_token": csrf})

    assert sent.status_code == 200 and sent.url.query == b"sent=1"
    box = sent.text.split('id="check-in-sent"')[1].split("</div>")[0]
    assert 'role="alert"' in sent.text.split('id="check-in-sent"')[1][:80]
    assert 'data-level="urgent"' in box and "advice-urgent" in sent.text
    assert "go to the emergency department now" in box
    assert 'href="tel:02079460000"' in box
    assert "Keep pressing and contact the team" in box
    assert "Thank you" not in box


def test_the_api_answer_carries_the_advice_and_routine_is_a_neutral_thank_you(
    web: tuple[TestClient, DemoIds, Clock],
) -> None:
    client, ids, _ = web
    headers = {"X-CSRF-Token": _session(client, "patient")}
    urgent = client.post(
        f"/api/cases/{ids.case_id}/check-ins",
        json={"symptoms": ["bleeding_not_stopped"]},
        headers=headers,
    ).json()
    routine = client.post(
        f"/api/cases/{ids.case_id}/check-ins", json={"symptoms": ["mild_soreness"]}, headers=headers
    ).json()
    page = client.get(f"/patient/{ids.patient_id}?sent=1").text

    assert urgent["advice"]["emergency"] is True and "020 7946 0000" in urgent["advice"]["headline"]
    assert routine["level"] == "routine" and routine["advice"]["emergency"] is False
    assert routine["advice"]["headline"].startswith("Thank you")
    assert 'data-level="routine"' in page and 'role="status"' in page


def test_a_bad_phone_number_on_registration_is_refused_by_its_field(
    web: tuple[TestClient, DemoIds, Clock],
) -> None:
    client, _, _ = web
    csrf = _session(client, "clinician")
    form = {"mrn": "PH-1", "family_name": "Roe", "given_name": "Al", "birth_date": "1960-01-01",
            "sex": "male", "phone": "ring my mum", "csrf_token": csrf}  # fmt: skip
    refused = client.post("/clinician/patients", data=form)
    api = client.post(
        "/api/patients",
        json={k: v for k, v in form.items() if k != "csrf_token"},
        headers={"X-CSRF-Token": csrf},
    )

    assert refused.status_code == 422
    assert 'id="register-patient-phone-error"' in refused.text or "phone" in refused.text
    assert "digits, spaces and a leading" in refused.text
    assert api.status_code == 422 and "phone" in api.text
    assert "PH-1" not in client.get("/api/patients?q=PH-1").text


def test_the_apps_loop_escalates_after_its_time_and_mails_the_on_call(
    web: tuple[TestClient, DemoIds, Clock], mailbox: tuple[int, list[Any]]
) -> None:
    client, ids, clock = web
    _, received = mailbox
    headers = {"X-CSRF-Token": _session(client, "patient")}
    alert_id = client.post(
        f"/api/cases/{ids.case_id}/check-ins", json=RED_FLAG | {"temperature_c": 38.6},
        headers=headers,
    ).json()["alert_id"]  # fmt: skip
    _session(client, "nurse")
    [alert] = [a for a in client.get("/api/alerts").json()["alerts"] if a["id"] == alert_id]
    assert alert["patient_phone"] == "07700 900123"
    assert alert["patient_notes"] == "Dressing soaked twice tonight"
    assert alert["escalated_at"] is None

    clock.now += timedelta(minutes=16)

    def this_alerts_mail() -> Any:
        # this alert's own escalation: another test's alert of this module may come first
        return next((m for m in received if f"alerts#alert-{alert_id}" in m.content.decode()
                     and "ESCALATED" in m.content.decode()), None)  # fmt: skip

    mail = _until(this_alerts_mail)
    [escalated] = [a for a in client.get("/api/alerts").json()["alerts"] if a["id"] == alert_id]
    inbox = client.get("/alerts").text
    assert escalated["escalated_to"] == "on_call_haematologist"
    assert mail.rcpt_tos == ["oncall@example.org"]
    assert "Dressing" not in mail.content.decode() and "07700" not in mail.content.decode()
    section = inbox.split(f'id="alert-{alert_id}"')[1].split("</section>")[0]
    assert "Escalated" in section and "07700 900123" in section
    assert re.search(r'data-channel="email" data-status="sent"', section)

    csrf = _session(client, "nurse")
    note = "Phoned; sent to the emergency department"
    client.post(f"/alerts/{alert_id}/acknowledge", data={"note": note, "csrf_token": csrf})
    case_page = client.get(f"/nursing/cases/{ids.case_id}").text
    done = case_page.split('id="case-alerts-done"')[1].split("</div>")[0]
    assert note in done
    assert f'id="case-alert-done-{alert_id}"' in done
