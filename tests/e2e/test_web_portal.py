"""The patient portal on a phone (issue 18): at 390 x 844 no patient page scrolls
sideways, and the portal shows local time and the number to call."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.web_support import LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _no_sideways_scroll(page: Any, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, f"portal_390_{name}")
    assert width <= PHONE["width"], f"{name}: {width} px wide on a {PHONE['width']} px screen"


def test_every_patient_page_fits_a_390_px_phone(browser: Any, live_app: LiveApp) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(live_app.url + "/login")
        _no_sideways_scroll(page, "login")

        sign_in(page, live_app, "patient")
        home = f"{live_app.url}/patient/{live_app.demo.patient_id}"
        assert page.url == home
        _no_sideways_scroll(page, "home")
        assert "took place on" in page.inner_text("#examination-done")
        assert "UTC" not in page.inner_text("main")
        assert page.locator("a.tel").count() >= 3

        page.fill("#temperature_c", "83")
        page.check("input[value=redness]")
        page.click("#check-in-form button[type=submit]")
        assert "cannot be right" in page.inner_text("#temperature_c-error")
        assert page.input_value("#temperature_c") == "83"
        _no_sideways_scroll(page, "check_in_refused")

        page.fill("#temperature_c", "37.2")
        page.click("#check-in-form button[type=submit]")
        page.wait_for_selector("#check-in-sent")
        _no_sideways_scroll(page, "check_in_sent")

        page.goto(live_app.url + "/account/password")
        _no_sideways_scroll(page, "password")
        page.goto(f"{live_app.url}/patient/{live_app.demo.other_patient_id}")
        _no_sideways_scroll(page, "forbidden")

        sign_in(page, live_app, "patient2")
        assert page.locator("#check-in-form").count() == 0
        _no_sideways_scroll(page, "no_examination")
    finally:
        context.close()
