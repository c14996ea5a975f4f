"""Issue 18 in a real browser: the patient's urgent check-in reaches the nurse at once,
in the header count of the first page after sign-in and in the inbox, and the nurse
acknowledges it with a note. A screenshot of the inbox goes to /tmp/alerts.png too."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.e2e.web_support import LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser

BLEEDING = "Bleeding that does not stop"


def _count(page: Any) -> int:
    return int(page.inner_text("#alert-count").strip())


def test_an_urgent_check_in_reaches_the_nurse_and_is_acknowledged(
    page: Any, live_app: LiveApp
) -> None:
    sign_in(page, live_app, "patient")
    page.check("input[name=symptoms][value=fever]")
    page.check("input[name=symptoms][value=bleeding_not_stopped]")
    page.fill("input[name=temperature_c]", "38.6")
    page.click("form:has(input[name=symptoms]) button[type=submit]")
    page.wait_for_load_state("domcontentloaded")

    sign_in(page, live_app, "nurse")  # lands on the procedure list: one page load
    waiting = _count(page)
    assert waiting >= 1
    assert "has-alerts" in (page.get_attribute("#alerts-link", "class") or "")
    page.click("#alerts-link")
    card = page.locator(".alert-card", has_text=BLEEDING).first
    text = card.inner_text()
    assert "Urgent" in text and "measured temperature 38.6 °C" in text
    assert "the patient (Demo Patient)" in text and "urgent" not in text
    page.screenshot(path="/tmp/alerts.png", full_page=True)
    shutil.copy("/tmp/alerts.png", screenshot(page, "alerts_inbox"))

    card.locator("h2 a").click()  # the case page carries the alert as a banner
    assert BLEEDING in page.inner_text("#case-alerts")
    screenshot(page, "alerts_case_banner")
    page.go_back()
    card = page.locator(".alert-card", has_text=BLEEDING).first

    card.locator("textarea[name=note]").fill("Phoned the patient; advised to attend ED now.")
    card.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")

    assert page.is_visible("#acknowledged-message")
    assert _count(page) == waiting - 1
    page.click("#show-all")
    done = page.locator(".alert-card.acknowledged", has_text=BLEEDING).first.inner_text()
    assert "Phoned the patient; advised to attend ED now." in done and "Nina Nurse" in done
