"""A warning sign in a real browser (Debian's Chromium): the patient's red-flag check-in
shows the advice at once; a refused value is named by its field and stores nothing; the
unacknowledged alert escalates after its (short) time and reaches a local SMTP server;
the nurse sees it escalated with its delivery log, acknowledges it, and the case page
says what was done.

Runs its own ``marrowscope serve`` (escalation after 3 s, checked twice a second, e-mail
to an aiosmtpd server on 127.0.0.1) beside the suite's shared one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.web_support import LiveApp, screenshot, serve, sign_in
from tests.notify_support import local_smtp

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[int, list[Any]]]:
    """A real SMTP server on 127.0.0.1; yields (port, received envelopes)."""
    with local_smtp() as box:
        yield box


@pytest.fixture(scope="module")
def fast_app(
    tmp_path_factory: pytest.TempPathFactory, mailbox: tuple[int, list[Any]]
) -> Iterator[LiveApp]:
    """The app with a 3-second escalation time and e-mail to the local SMTP server."""
    settings = {
        "MARROWSCOPE_ALERT_ESCALATION_MINUTES": "0.05",
        "MARROWSCOPE_ALERT_CHECK_SECONDS": "0.5",
        "MARROWSCOPE_ALERT_SMTP_HOST": "127.0.0.1",
        "MARROWSCOPE_ALERT_SMTP_PORT": str(mailbox[0]),
        "MARROWSCOPE_ALERT_EMAIL_CARE_TEAM": "ward@example.org",
        "MARROWSCOPE_ALERT_EMAIL_ON_CALL": "oncall@example.org",
    }
    with serve(tmp_path_factory.mktemp("escalation"), settings) as app:
        yield app


def _count(database_url: str, table: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        found = int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
    engine.dispose()
    return found


def test_a_red_flag_is_shown_to_the_patient_escalates_and_reaches_the_mail_server(
    browser: Any, fast_app: LiveApp, mailbox: tuple[int, list[Any]]
) -> None:
    _, received = mailbox
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, fast_app, "patient")
        before = _count(fast_app.database_url, "clinical_record")
        page.check("input[name=symptoms][value=fever]")
        page.check("input[name=symptoms][value=bleeding_not_stopped]")
        page.fill("#temperature_c", "thirty eight")
        page.click("#check-in-form button[type=submit]")
        assert "number only" in page.inner_text("#temperature_c-error")
        assert page.is_checked("input[value=bleeding_not_stopped]")
        assert _count(fast_app.database_url, "clinical_record") == before  # nothing half-stored

        page.fill("#temperature_c", "38.6")
        page.fill("#notes", "Dressing soaked twice tonight")
        page.click("#check-in-form button[type=submit]")
        advice = page.locator("#check-in-sent")
        advice.wait_for()
        assert advice.get_attribute("role") == "alert"
        assert advice.get_attribute("data-level") == "urgent"
        text = advice.inner_text()
        assert "emergency department" in text and "Call the care team now" in text
        assert (advice.locator("a.tel").first.get_attribute("href") or "").startswith("tel:")
        colour = advice.evaluate("e => getComputedStyle(e).borderTopColor")
        assert colour == "rgb(176, 0, 32)"  # red (--stop)
        screenshot(page, "check_in_red_flag_advice")

        deadline = time.monotonic() + 30
        while not any(b"ESCALATED" in m.content for m in received):
            assert time.monotonic() < deadline, "no escalation e-mail reached the SMTP server"
            time.sleep(0.25)
        mail = next(m for m in received if b"ESCALATED" in m.content)
        assert mail.rcpt_tos == ["oncall@example.org"]
        assert b"Dressing" not in mail.content and b"Bleeding" not in mail.content

        sign_in(page, fast_app, "nurse")
        page.goto(fast_app.url + "/alerts")
        card = page.locator(".alert-card", has_text="Dressing soaked twice tonight").first
        card_text = card.inner_text()
        assert "Escalated" in card_text and "on call haematologist" in card_text
        assert "07700 900123" in card_text
        assert card.locator("tr.delivery[data-channel=email][data-status=sent]").count() >= 1
        screenshot(page, "alerts_escalated_inbox")

        card.locator("textarea[name=note]").fill("Phoned; sent to the emergency department.")
        card.locator("button[type=submit]").click()
        page.wait_for_selector("#acknowledged-message")
        page.goto(f"{fast_app.url}/nursing/cases/{fast_app.demo.case_id}")
        done = page.inner_text("#case-alerts-done")
        assert "Phoned; sent to the emergency department." in done
        assert page.locator("#case-alerts").count() == 0
        screenshot(page, "case_alert_acknowledged")
    finally:
        context.close()
