"""AI pre-classification in a real browser: upload, decide by keyboard, count the slide.

Works on a case of its own (the second demo patient's), so the counter tests that use
the demo case see none of these slides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from marrowscope.ai.infer import default_model_path
from marrowscope.bootstrap import Settings, build_engine, build_uow_factory, get_settings
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.cases import open_case
from tests.e2e.web_support import LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser


def _new_case(app: LiveApp) -> int:
    engine = build_engine(Settings(database_url=app.database_url))
    try:
        with build_uow_factory(engine)() as uow:
            clinician = Actor("clinician", Role.CLINICIAN)
            return open_case(uow, clinician, app.demo.other_patient_id).id
    finally:
        engine.dispose()


def _row_state(page: Any, index: int, state: str) -> None:
    page.wait_for_selector(f"#cells tbody tr:nth-child({index}).state-{state}", timeout=10_000)


def test_cells_are_decided_from_the_keyboard_and_counted(
    page: Any, live_app: LiveApp, shared_data: Path
) -> None:
    """c confirms, s + a code + Enter changes, x rejects; then the slide joins the differential."""
    if not default_model_path(get_settings().model_dir).is_file():
        pytest.skip("no model shipped in this checkout yet (src/marrowscope/ai/models)")
    case_id = _new_case(live_app)
    files = [
        sorted((shared_data / "pbc" / "eosinophil").glob("*.jpg"))[5],
        sorted((shared_data / "pbc" / "lymphocyte").glob("*.jpg"))[5],
        shared_data / "matek_samples" / "ART_00009.jpg",
    ]
    sign_in(page, live_app, "morphologist")

    page.goto(f"{live_app.url}/review/cases/{case_id}")
    page.fill("#upload input[name=slide_label]", "AI e2e")
    page.set_input_files("#upload input[name=images]", [str(f) for f in files])
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#upload-result")
    assert page.locator("#cells tbody tr").count() == 3
    page.wait_for_function("document.activeElement.id.startsWith('cell-')")

    page.keyboard.press("c")
    _row_state(page, 1, "confirmed")
    page.keyboard.press("s")
    page.locator("#cells tbody tr:nth-child(2) select").select_option("BAS")
    page.keyboard.press("Enter")
    _row_state(page, 2, "corrected")
    page.keyboard.press("x")
    _row_state(page, 3, "rejected")
    assert "0 to decide" in page.inner_text("#review-status")
    page.goto(f"{live_app.url}/review/cases/{case_id}")  # a reload would re-post the upload
    screenshot(page, "ai_review_decided")
    page.click("#count-slide button[type=submit]")
    page.wait_for_url(f"**/counter/cases/{case_id}")

    assert "AI e2e" in page.inner_text("#slides")
    assert "2 / 2" in page.inner_text("#slides")
