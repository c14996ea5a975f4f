"""In Debian's Chromium, on a lab set to Europe/Berlin: a nurse typing the wall-clock
times of the spring 2026 clock change gets the same apixaban hold decision as the same
checklist sent in UTC, every time field names the zone, and a vital sign typed without
its time is refused beside it, never dropped.

Apixaban, creatinine clearance 80 mL/min: held 24 h (``tables/safety.toml``, SIR 2019).
The last dose at 08:30 CET on 28 March and the procedure at 09:00 CEST on 29 March are
23.5 h apart, though the wall clock says 24.5 h.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.e2e.web_support import PASSWORDS, LiveApp, screenshot, serve, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def berlin_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with serve(tmp_path_factory.mktemp("berlin"), {"MARROWSCOPE_TIMEZONE": "Europe/Berlin"}) as app:
        yield app


@contextmanager
def _api(app: LiveApp, username: str) -> Iterator[httpx.Client]:
    """An API session of ``username`` with its CSRF header."""
    with httpx.Client(base_url=app.url, timeout=30) as client:
        login = {"username": username, "password": PASSWORDS[username]}
        answer = client.post("/api/session", json=login)
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        yield client


def _new_case(app: LiveApp, mrn: str) -> int:
    with _api(app, "clinician") as clinician:
        made = clinician.post(
            "/api/patients",
            json={"mrn": mrn, "family_name": "Zeit", "given_name": "Zora",
                  "birth_date": "1950-05-01", "sex": "female"},
        )  # fmt: skip
        assert made.status_code == 201, made.text
        case_id = int(made.json()["case_id"])
        assert clinician.post(
            f"/api/cases/{case_id}/order", json={"indications": ["pancytopenia"]}
        ).is_success
    return case_id


def _saved_severity(page: Any, rule: str) -> str | None:
    found = page.locator(f"#saved-findings li[data-rule='{rule}'] .badge")
    return found.get_attribute("class").split("sev-")[1] if found.count() else None


def test_berlin_wall_clock_and_utc_give_the_same_hold(page: Any, berlin_app: LiveApp) -> None:
    typed_case, api_case = _new_case(berlin_app, "E2E-BER-1"), _new_case(berlin_app, "E2E-BER-2")
    with _api(berlin_app, "nurse") as nurse:
        sent = nurse.post(
            f"/api/cases/{api_case}/assessment",
            json={"plan": {"planned_at": "2026-03-29T07:00:00Z"}, "platelets_per_nl": 200,
                  "platelets_at": "2026-03-28T07:00:00Z", "inr": 1.0,
                  "inr_at": "2026-03-28T07:00:00Z", "creatinine_clearance_ml_min": 80,
                  "medications": [{"drug": "apixaban", "last_dose_at": "2026-03-28T07:30:00Z"}],
                  "driver_home": True, "consent_by": "patient", "consent_signed_by": "Zora Zeit"},
        )  # fmt: skip
    assert sent.status_code == 201, sent.text

    sign_in(page, berlin_app, "nurse")
    page.goto(f"{berlin_app.url}/nursing/cases/{typed_case}")
    labels = page.locator("#checklist label:has(input[type=datetime-local])").all_inner_texts()
    for name, value in (
        ("planned_at", "2026-03-29T09:00"), ("platelets_at", "2026-03-28T09:00"),
        ("inr_at", "2026-03-28T09:00"), ("last_dose_0", "2026-03-28T08:30"),
    ):  # fmt: skip
        page.fill(f"#checklist-{name}", value)
    page.fill("#checklist-local_anaesthetic", "lidocaine")
    page.fill("#checklist-antiseptic", "chlorhexidine")
    page.fill("#checklist-platelets_per_nl", "200")
    page.fill("#checklist-inr", "1.0")
    page.fill("#checklist-creatinine_clearance_ml_min", "80")
    page.select_option("#checklist-drug_0", "apixaban")
    page.select_option("#checklist-driver_home", "yes")
    page.select_option("#checklist-consent_by", "patient")
    page.fill("#checklist-consent_signed_by", "Zora Zeit")
    page.click("#checklist button[type=submit]")
    page.wait_for_selector("#saved-findings")
    typed = _saved_severity(page, "drug.apixaban")
    shown_dose = page.input_value("#checklist-last_dose_0")
    screenshot(page, "nursing_checklist_berlin_dst")
    page.goto(f"{berlin_app.url}/nursing/cases/{api_case}")
    by_api = _saved_severity(page, "drug.apixaban")
    api_dose = page.input_value("#checklist-last_dose_0")

    assert labels and all("(Europe/Berlin)" in text for text in labels)
    assert typed in ("stop", "review")  # 23.5 h of real time: held too short
    assert typed == by_api
    assert shown_dose == api_dose == "2026-03-28T08:30"  # both shown on the Berlin clock


def test_a_vital_sign_without_its_time_is_refused_beside_it_and_nothing_is_stored(
    page: Any, berlin_app: LiveApp
) -> None:
    case_id = _new_case(berlin_app, "E2E-BER-3")
    sign_in(page, berlin_app, "proceduralist")
    page.goto(f"{berlin_app.url}/nursing/cases/{case_id}")

    assert page.input_value("#procedure-form-operator") == ""  # nobody assumed
    assert page.input_value("#procedure-form-started_at") == ""
    page.fill("#procedure-form-operator", "proceduralist")  # a user name, not a person
    page.fill("#procedure-form-time_out_at", "2026-03-29T09:00")
    page.fill("#procedure-form-started_at", "2026-03-29T09:05")
    page.fill("#procedure-form-ended_at", "2026-03-29T09:40")
    page.select_option("#procedure-form-vital_sign_0", "heart_rate")
    page.fill("#procedure-form-vital_value_0", "88")
    page.fill("#procedure-form-core_length_mm", "long")
    page.eval_on_selector("#procedure-form", "f => f.noValidate = true")
    page.click("#procedure-form button[type=submit]")
    page.wait_for_selector("#procedure-form-vital_at_0-error")

    assert "time" in page.inner_text("#procedure-form-vital_at_0-error")
    assert "full name" in page.inner_text("#procedure-form-operator-error")
    assert "not a number" in page.inner_text("#procedure-form-core_length_mm-error")
    assert page.input_value("#procedure-form-vital_value_0") == "88"  # kept as typed
    assert page.input_value("#procedure-form-started_at") == "2026-03-29T09:05"
    assert page.locator("#procedure-saved").count() == 0  # nothing stored
    screenshot(page, "nursing_procedure_all_errors")
