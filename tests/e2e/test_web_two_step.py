"""Two-step sign-in turned on by choice in a real browser: the clinician opens the security
page from the header, types the password, adds the key to an "app" (pyotp here), turns it
on with the first code, keeps the recovery codes, and from then on signs in with a code.

Its own server: the shared one's demo clinician must keep signing in with a password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.e2e.web_support import PASSWORDS, LiveApp, screenshot, serve

pytestmark = pytest.mark.browser


def _password_step(page: Any, app: LiveApp, username: str) -> None:
    page.context.clear_cookies()
    page.goto(app.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def test_a_clinician_turns_two_step_sign_in_on_and_then_needs_a_code(
    browser: Any, tmp_path: Path
) -> None:
    with serve(tmp_path, {"MARROWSCOPE_MFA_ENFORCE": "true"}) as app:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        _password_step(page, app, "clinician")
        page.click("#security-link")
        off_text = page.inner_text("#two-step-state")
        page.fill("#enrol-form input[name=password]", PASSWORDS["clinician"])
        page.click("#enrol-form button[type=submit]")
        secret = page.inner_text("#mfa-secret")
        qr_shown = page.locator("#mfa-qr").evaluate(
            "img => img.decode().then(() => true, () => false)"
        )
        screenshot(page, "two_step_enrol")
        page.fill("#confirm-form input[name=code]", pyotp.TOTP(secret).now())
        page.click("#confirm-form button[type=submit]")
        codes = page.locator("#recovery-codes code").all_inner_texts()

        _password_step(page, app, "clinician")
        asked_at = page.url
        page.fill("input[name=code]", codes[0])  # a recovery code: the TOTP step is spent
        page.click("button[type=submit]")
        page.wait_for_load_state("domcontentloaded")
        landed = page.url
        page.goto(app.url + "/account/security")
        on_text = page.inner_text("#two-step-state")
        context.close()

    assert "off" in off_text
    assert len(secret) >= 32 and qr_shown
    assert len(codes) == 10
    assert asked_at.startswith(app.url + "/login/mfa") and "setup" not in asked_at
    assert landed == app.url + "/clinician"
    assert "on" in on_text and "9 recovery codes left" in on_text
