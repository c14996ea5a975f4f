"""The differential counter in a real browser: keys, live figures, targets, saving.

Each test opens its own slide, so they do not depend on each other's order.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.e2e.web_support import PASSWORDS, LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser

# A plausible normal marrow: keys of the default keymap (tables/differential.toml).
_NORMAL_MIX = "sssssmmmtddeelloorr1223nnpbc"


def _counts_on_server(app: LiveApp, count_id: int) -> dict[str, Any]:
    with httpx.Client(base_url=app.url) as client:
        login = client.post(
            "/api/session",
            json={"username": "pathologist", "password": PASSWORDS["pathologist"]},
        )
        login.raise_for_status()
        answer = client.get(f"/api/counts/{count_id}")
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        return data


def _open_slide(page: Any, app: LiveApp, label: str) -> int:
    page.goto(f"{app.url}/counter/cases/{app.demo.case_id}")
    page.fill("#open-slide input[name=slide_label]", label)
    page.click("#open-slide button[type=submit]")
    page.wait_for_url("**/counter/counts/*")
    page.wait_for_selector("#tally tbody tr")
    return int(page.url.rstrip("/").split("/")[-1])


def _keymap(page: Any) -> dict[str, str]:
    mapping: dict[str, str] = page.evaluate(
        "JSON.parse(document.getElementById('counter-config').textContent).keymap"
    )
    return mapping


def _press_at_rate(page: Any, keys: str, per_second: float) -> float:
    """Press each key on a fixed schedule; returns the rate actually achieved."""
    interval = 1.0 / per_second
    start = time.perf_counter()
    for i, key in enumerate(keys):
        delay = start + i * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        page.keyboard.press(key)
    elapsed = time.perf_counter() - start
    return len(keys) / elapsed if elapsed else float("inf")


def _wait_saved(page: Any) -> None:
    page.wait_for_function(
        "() => { const s = window.marrowscopeCounter.state;"
        " return !s.inFlight && s.timer === null && s.version === s.savedVersion; }",
        timeout=20_000,
    )


def test_a_500_cell_count_at_20_keys_per_second_loses_nothing(page: Any, live_app: LiveApp) -> None:
    """500 presses at 20 per second give exactly 500 cells on the server, class by class."""
    sign_in(page, live_app, "morphologist")
    count_id = _open_slide(page, live_app, "Keyboard 500")
    keymap = _keymap(page)
    keys = (_NORMAL_MIX * 20)[:500]
    expected: dict[str, int] = {}
    for key in keys:
        expected[keymap[key]] = expected.get(keymap[key], 0) + 1

    achieved = _press_at_rate(page, keys, per_second=20)
    _wait_saved(page)

    assert achieved >= 18, f"the test only reached {achieved:.1f} keys/s"
    assert page.inner_text("#total") == "500"
    stored = _counts_on_server(live_app, count_id)
    assert stored["counts"] == expected
    assert stored["nucleated_cells"] == 500
    screenshot(page, "counter_500_cells")


def test_the_counter_stops_at_the_target_and_undo_takes_back_one_cell(
    page: Any, live_app: LiveApp
) -> None:
    """Past the target a press is refused; undo removes the last cell; the cue fires at 100."""
    sign_in(page, live_app, "morphologist")
    page.goto(f"{live_app.url}/counter/cases/{live_app.demo.case_id}")
    page.fill("#open-slide input[name=slide_label]", "Short target")
    page.fill("#open-slide input[name=target]", "120")
    page.click("#open-slide button[type=submit]")
    page.wait_for_selector("#tally tbody tr")
    count_id = int(page.url.rstrip("/").split("/")[-1])

    for _ in range(100):
        page.keyboard.press("s")
    cue_seen = page.inner_text("#message")
    cue_flash = page.eval_on_selector("#counter-panel", "e => e.classList.contains('cue')")
    for _ in range(20):
        page.keyboard.press("s")
    page.keyboard.press("b")  # refused: the target is reached
    refused = page.inner_text("#message")
    page.keyboard.press("Backspace")
    page.keyboard.press("b")
    _wait_saved(page)

    assert "100 cells counted" in cue_seen
    assert cue_flash
    assert "Target of 120 cells reached" in refused
    stored = _counts_on_server(live_app, count_id)
    assert stored["counts"] == {"NGS": 119, "BLA": 1}
    assert page.inner_text("tr[data-code=BLA] .pct") == "0.8"


def test_a_saved_count_is_final_until_edited_with_a_reason(page: Any, live_app: LiveApp) -> None:
    """Saving marks the count final; the correction form changes it and keeps the reason."""
    sign_in(page, live_app, "morphologist")
    count_id = _open_slide(page, live_app, "Edit me")
    for key in "ssssn":
        page.keyboard.press(key)
    _wait_saved(page)
    page.click("#finish")
    page.wait_for_selector("#edit-count")
    page.keyboard.press("s")  # ignored: saved counts are not counted on

    page.fill("#edit-count input[name=count_NGS]", "3")
    page.fill("#edit-count input[name=reason]", "double-counted a neutrophil")
    page.click("#edit-count button[type=submit]")
    page.wait_for_selector("#edit-count")

    stored = _counts_on_server(live_app, count_id)
    assert stored["status"] == "saved"
    assert stored["counts"] == {"NGS": 3, "EBO": 1}
    screenshot(page, "counter_saved_count")


def test_a_personal_keymap_counts_with_its_own_keys(page: Any, live_app: LiveApp) -> None:
    """A keymap saved by the user drives the counter when chosen."""
    sign_in(page, live_app, "morphologist")
    page.goto(f"{live_app.url}/counter/keymaps")
    page.fill("#keymap-form input[name=name]", "numpad")
    page.fill("#keymap-form textarea[name=mapping]", "7=BLA\n8=NGS\n9=EBO")
    page.click("#keymap-form button[type=submit]")
    page.wait_for_selector(".keymap[data-name=numpad]")
    count_id = _open_slide(page, live_app, "Numpad slide")
    page.goto(f"{live_app.url}/counter/counts/{count_id}?keymap=numpad")
    page.wait_for_selector("#tally tbody tr")

    for key in "7889":
        page.keyboard.press(key)
    _wait_saved(page)

    assert _counts_on_server(live_app, count_id)["counts"] == {"BLA": 1, "NGS": 2, "EBO": 1}


def test_a_second_tab_with_an_older_state_is_told_instead_of_silently_losing_cells(
    page: Any, live_app: LiveApp
) -> None:
    """Two tabs on one slide: the older one's save is refused and it says so."""
    sign_in(page, live_app, "morphologist")
    count_id = _open_slide(page, live_app, "Two tabs")
    other = page.context.new_page()
    other.goto(f"{live_app.url}/counter/counts/{count_id}")
    other.wait_for_selector("#tally tbody tr")

    for key in "sss":
        page.keyboard.press(key)
    _wait_saved(page)
    other.keyboard.press("b")
    other.wait_for_function("() => window.marrowscopeCounter.state.conflict")

    assert "changed elsewhere" in other.inner_text("#sync")
    assert _counts_on_server(live_app, count_id)["counts"] == {"NGS": 3}
