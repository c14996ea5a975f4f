"""The critical-value call in a real browser: a case with a critical platelet count is
signed; release is refused naming the call owed; the clinician logs the call (read back)
in the panel on the case page; release succeeds; the lab manager finds the call on the
quality dashboard, whose charts load and whose CSV matches the table."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.e2e.test_web_release import _new_case
from tests.e2e.web_support import PASSWORDS, LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_release_waits_for_the_call_logged_on_the_case_page(page: Any, live_app: LiveApp) -> None:
    case, _ = _new_case(live_app, "E2E-CALL-1", {"hb": 84, "platelets": 8})
    sign_in(page, live_app, "pathologist")
    page.goto(f"{live_app.url}/pathologist/cases/{case}")
    assert "call required before release" in page.inner_text("#critical-calls")
    page.fill("#report-form [name=conclusion]", "Marrow consistent with ITP.")
    page.click("#report-form button[type=submit]")
    if page.locator("#signout-warnings").count():
        page.check("#sign-form input[name=confirm_warnings]")
    page.fill("#sign-form input[name=password]", PASSWORDS["pathologist"])
    page.click("#sign-form button[type=submit]")
    assert "awaiting release" in page.inner_text("#report-state")

    sign_in(page, live_app, "clinician")
    page.goto(f"{live_app.url}/clinician/cases/{case}")
    page.click("#release-link")
    page.check("#release-form-version")
    page.fill("#release-form-password", PASSWORDS["clinician"])
    page.click("#release-form button[type=submit]")
    refusal = page.inner_text("#release-form-error")
    assert "Platelets 8" in refusal and "read-back" in refusal
    screenshot(page, "critical_call_release_refused")

    page.goto(f"{live_app.url}/clinician/cases/{case}")
    page.fill("#call-form-recipient", "Dr Ward, haematology SpR")
    page.check("#call-form-read_back")
    page.click("#call-form button[type=submit]")
    panel = page.inner_text("#critical-calls")
    assert "call logged with read-back" in panel and "Dr Ward, haematology SpR" in panel
    screenshot(page, "critical_call_logged")
    page.click("#release-link")
    page.check("#release-form-version")
    page.fill("#release-form-password", PASSWORDS["clinician"])
    page.click("#release-form button[type=submit]")
    page.wait_for_selector("#report-released")

    sign_in(page, live_app, "labmanager")
    page.goto(f"{live_app.url}/quality")
    row = page.locator(f"#critical tbody tr:has(a[href='/quality/cases/{case}/calls'])")
    assert "Dr Ward, haematology SpR" in row.inner_text()
    for chart in ("turnaround", "amendments"):
        img = page.locator(f"img[src='/quality/charts/{chart}.png']")
        img.scroll_into_view_if_needed()
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
    shown = [
        [c.strip() for c in r.split("\t")]
        for r in page.locator("#critical table").first.locator("tbody tr").all_inner_texts()
    ]
    answer = page.request.get(f"{live_app.url}/quality/export/critical.csv")
    rows = list(csv.DictReader(io.StringIO(answer.text())))
    assert [f"#{r['case_id']}" for r in rows] == [s[0] for s in shown]
    mine = next(r for r in rows if r["case_id"] == str(case))
    assert mine["recipient"] == "Dr Ward, haematology SpR" and mine["caller"] == "clinician"
    screenshot(page, "critical_call_dashboard")
