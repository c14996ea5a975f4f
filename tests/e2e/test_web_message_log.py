"""The message log in a real browser: a lab scientist finds a refused order in the error
queue, corrects it on its page and replays it; the refused message stays as it arrived.

The order is a Cerner-style ORM^O01 without the patient's sex (PID-8), so a new patient
cannot be registered and the order is refused; the correction types the F back in.
"""

from __future__ import annotations

from typing import Any

import pytest

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.services import interop
from tests.e2e.web_support import LiveApp, screenshot, sign_in
from tests.integration.hl7_orders import cerner

pytestmark = pytest.mark.browser

PID = "PID|1||H200777^^^HOSP^MR||LINDGREN^ERIK^J||19510923|"


def test_a_refused_order_is_corrected_and_replayed_from_the_error_queue(
    page: Any, live_app: LiveApp
) -> None:
    engine = make_engine(live_app.database_url)
    factory = build_uow_factory(engine)
    refused = interop.receive_hl7(
        factory, cerner("CR-E2E-1", pid=PID).encode(), peer="10.1.1.5:4100"
    )
    engine.dispose()
    assert not refused.accepted

    sign_in(page, live_app, "lab")
    page.click("nav >> text=Message log")
    row = page.locator("#error-queue tr", has_text="ORM^O01").last
    assert "refused" in row.inner_text()
    row.locator("a").click()
    assert page.inner_text("#status") == "refused"
    assert "CR-E2E-1" in page.inner_text("#raw")
    screenshot(page, "message_log_refused")
    text = page.input_value("#text")
    page.fill("#text", text.replace("||19510923|\n", "||19510923|M\n"))
    page.click("form[action$='/replay'] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")

    assert page.inner_text("#status") == "accepted"
    assert "19510923|M" in page.inner_text("#raw")
    page.click(f"a[href='/interop/messages/{refused.exchange_id}']")
    assert page.inner_text("#status") == "corrected"
    assert "LINDGREN" in page.inner_text("#raw") and "19510923|M" not in page.inner_text("#raw")
    page.goto(live_app.url + "/interop/messages")
    waiting = page.locator(f"#error-queue a[href='/interop/messages/{refused.exchange_id}']")
    assert waiting.count() == 0
