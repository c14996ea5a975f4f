"""The nursing checklist opens as saved, and its live findings agree with the saved ones
until the form is edited (issue 18, section 4), in Debian's Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.web_support import LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_the_live_panel_matches_the_saved_checklist_until_edited(
    page: Any, live_app: LiveApp
) -> None:
    sign_in(page, live_app, "nurse")
    page.goto(f"{live_app.url}/nursing/cases/{live_app.demo.case_id}")
    page.wait_for_function("() => document.getElementById('live-state').textContent !== ''")

    saved_overall = page.get_attribute("#saved-overall", "data-severity")
    live_overall = page.get_attribute("#live-overall", "data-severity")
    saved_rules = page.eval_on_selector_all("#saved-findings li", "l => l.map(e => e.dataset.rule)")
    live_rules = page.eval_on_selector_all("#live-findings li", "l => l.map(e => e.dataset.rule)")
    first_state = page.inner_text("#live-state")
    screenshot(page, "nursing_checklist_as_saved")
    page.fill("#checklist input[name=notes]", "edited after saving")
    page.wait_for_function("() => document.getElementById('live-state').dataset.edited === 'yes'")

    assert page.input_value("#checklist input[name=platelets_per_nl]") != ""
    assert live_overall == saved_overall
    assert sorted(live_rules) == sorted(saved_rules)
    assert first_state.startswith("As saved")
    assert page.inner_text("#live-state").startswith("Changed since the last save")
