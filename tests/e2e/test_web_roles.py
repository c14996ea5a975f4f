"""Each role in a real browser: sign in, do the day's work on the demo case, and be
kept out of what is not theirs. Screenshots of the main pages go to artefacts/."""

from __future__ import annotations

from typing import Any

import pytest

from marrowscope.services.accounts import DEMO_USERS
from tests.e2e.web_support import LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser

HOMES = {
    "clinician": "/clinician",
    "proceduralist": "/nursing",
    "nurse": "/nursing",
    "lab": "/lab",
    "morphologist": "/counter",
    "pathologist": "/pathologist",
    "admin": "/admin",
    "labmanager": "/quality",
}


@pytest.mark.parametrize("username", [u.username for u in DEMO_USERS if u.username != "patient2"])
def test_each_role_signs_in_and_lands_on_its_own_work(
    page: Any, live_app: LiveApp, username: str
) -> None:
    sign_in(page, live_app, username)

    expected = HOMES.get(username, f"/patient/{live_app.demo.patient_id}")
    assert page.url == live_app.url + expected
    role = next(u.role.value for u in DEMO_USERS if u.username == username)
    assert page.get_attribute("#who", "data-role") == role
    screenshot(page, f"home_{username}")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    page: Any, live_app: LiveApp
) -> None:
    page.goto(live_app.url + "/login")
    page.fill("input[name=username]", "nurse")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")

    assert "/login" in page.url
    assert page.inner_text(".error") == "unknown username or wrong password"


def test_a_patient_cannot_open_another_patients_page(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app, "patient")

    own = page.goto(f"{live_app.url}/patient/{live_app.demo.patient_id}")
    other = page.goto(f"{live_app.url}/patient/{live_app.demo.other_patient_id}")

    assert own is not None and own.status == 200
    assert other is not None and other.status == 403
    assert "your own pages" in page.inner_text("#error-message")
    screenshot(page, "patient_forbidden_403")


def test_a_morphologist_cannot_sign_a_report(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app, "morphologist")
    csrf = page.get_attribute('meta[name="csrf-token"]', "content")

    view = page.goto(f"{live_app.url}/pathologist/cases/{live_app.demo.case_id}")
    signing = page.request.post(
        f"{live_app.url}/pathologist/cases/{live_app.demo.case_id}/report/sign",
        form={"csrf_token": csrf or ""},
        max_redirects=0,
    )

    assert view is not None and view.status == 403
    assert signing.status == 403


def test_walk_the_demo_case_through_every_role(page: Any, live_app: LiveApp) -> None:
    """Clinician → nurse → laboratory → pathologist → patient on the seeded case."""
    case = live_app.demo.case_id

    sign_in(page, live_app, "clinician")
    page.goto(f"{live_app.url}/clinician/cases/{case}")
    # the demo count is abnormal: its rows are marked in the table, not boxed apart
    assert page.locator("table.cbc tr.abnormal, table.cbc tr.critical").count() > 0
    page.fill("#cbc-form input[name=value_hb]", "7.9")
    page.select_option("#cbc-form select[name=unit_hb]", "g/dL")
    page.fill("#cbc-form input[name=value_platelets]", "41")
    page.click("#cbc-form button[type=submit]")
    page.wait_for_selector("#cbcs h3")
    assert "Haemoglobin 79" in page.inner_text("#cbcs")
    screenshot(page, "clinician_case")

    sign_in(page, live_app, "nurse")
    page.goto(f"{live_app.url}/nursing/cases/{case}")
    page.fill("#checklist input[name=platelets_per_nl]", "12")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#live-findings li')]"
        ".some(li => li.textContent.toLowerCase().includes('platelet'))"
    )
    screenshot(page, "nursing_checklist_live_findings")
    page.select_option("#specimen-form select[name=kind]", "aspirate_smear")
    page.check("#specimen-form input[value=smear_morphology]")
    page.click("#specimen-form button[type=submit]")
    page.wait_for_selector("#labels .label img")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#labels img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    accession = page.locator("#labels .label").last.inner_text().split(" ")[0].strip()
    screenshot(page, "nursing_labels")

    sign_in(page, live_app, "lab")
    page.fill("#receive-form input[name=accession]", accession)
    page.click("#receive-form button[type=submit]")
    assert accession in page.inner_text("#received")
    page.goto(f"{live_app.url}/lab/worklists/smear_morphology")
    card = page.locator(".test", has_text=accession)
    card.locator("select[name=state]").select_option("in_process")
    card.locator(".state-form button").click()
    card = page.locator(".test", has_text=accession)
    card.locator("textarea[name=text]").fill(
        "Particulate aspirate; blasts 9%; consistent with increased blasts."
    )
    card.locator("textarea[name=values]").fill("blast_percent = 9")
    card.locator(".result-form button").click()
    assert page.locator(".test", has_text=accession).locator(".state").inner_text() == "Resulted"
    screenshot(page, "lab_worklist")
    page.goto(f"{live_app.url}/lab/overdue")
    screenshot(page, "lab_overdue_board")

    sign_in(page, live_app, "patient")
    assert page.locator("#results-pending").is_visible()  # signed, not yet released

    sign_in(page, live_app, "pathologist")
    page.goto(f"{live_app.url}/pathologist/cases/{case}")
    assert "blasts 9%" in page.inner_text("#results")
    assert "signed" in page.inner_text("#report-status")
    screenshot(page, "pathologist_case")
    assert page.locator("#release-link").count() == 0  # release is the clinician's decision

    sign_in(page, live_app, "clinician")
    page.goto(f"{live_app.url}/clinician/cases/{case}")
    assert "awaiting release" in page.inner_text("#report-state")
    page.click("#release-link")  # release asks for confirmation on a page of its own
    page.check("#release-form-version")
    page.fill("#release-form input[name=password]", "clinician-demo")  # releasing is a signature
    page.click("#release-form button")
    page.wait_for_selector("#report-state")
    assert "released" in page.inner_text("#report-state")

    sign_in(page, live_app, "patient")
    assert "signed by a pathologist" in page.inner_text("#released-summary")
    page.check("#check-in-form input[value=fever]")
    page.fill("#check-in-form input[name=temperature_c]", "38.4")
    page.click("#check-in-form button[type=submit]")
    # a fever is a warning sign: the patient is told to call, with the number, not thanked
    sent = page.inner_text("#check-in-sent")
    assert "Call the care team" in sent and "020 7946 0000" in sent
    assert "Thank you" not in sent
    assert page.locator("#results").is_visible()
    screenshot(page, "patient_home")
