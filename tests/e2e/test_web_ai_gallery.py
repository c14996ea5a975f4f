"""Smear fields in a real browser: upload, review in the gallery by keyboard, count the slide.

The morphologist uploads three TXL-PBC fields; the detector finds the white cells, the
classifier proposes a class for each; the gallery is worked through with the keyboard
(Enter confirms the model's call where it is a proposal, a keymap key chooses the class:
an unfamiliar or contradicting cell, or any cell of a slide where the model abstains, is
classified by key), the slide's differential moves with each decision, the agreement
figures appear, and the decided slide is counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from marrowscope.ai.detection.detector import default_detector_path
from marrowscope.bootstrap import Settings, build_engine, build_uow_factory
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.cases import open_case
from tests.e2e.web_support import LiveApp, screenshot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not default_detector_path().is_file(), reason="no detector shipped"),
]


def _new_case(app: LiveApp) -> int:
    engine = build_engine(Settings(database_url=app.database_url))
    try:
        with build_uow_factory(engine)() as uow:
            return open_case(uow, Actor("clinician", Role.CLINICIAN), app.demo.other_patient_id).id
    finally:
        engine.dispose()


def test_fields_are_analysed_reviewed_by_keyboard_and_counted(
    page: Any, live_app: LiveApp, shared_data: Path
) -> None:
    case_id = _new_case(live_app)
    fields = sorted((shared_data / "txl_pbc" / "images" / "val").glob("*.jpg"))[:3]
    sign_in(page, live_app, "morphologist")

    page.goto(f"{live_app.url}/review/cases/{case_id}/gallery")
    page.fill("#fields-upload input[name=slide_label]", "Fields e2e")
    page.set_input_files("#fields-upload input[name=fields]", [str(f) for f in fields])
    page.click("#fields-upload button[type=submit]")
    page.wait_for_selector("#fields-result")
    assert "3 field(s) analysed" in page.inner_text("#fields-result")
    tiles = page.locator(".tile")
    n = tiles.count()
    assert n >= 3
    box = tiles.first.locator("img").bounding_box()
    assert box is not None and box["width"] >= 120  # large enough to judge

    page.locator(".tile:focus").wait_for()
    page.keyboard.press("l")  # the counter keymap's lymphocyte key: change (or confirm) to LYT
    page.wait_for_selector(".tile[data-decided=true]", timeout=10_000)
    decided_lyt = page.locator("#live-differential tr[data-code=LYT] td.decided")
    assert decided_lyt.inner_text() == "1"
    for i in range(1, n):
        tile = page.locator(".tile:focus")
        if tile.get_attribute("data-confirm") == "no" or not tile.get_attribute("data-model"):
            page.keyboard.press("Enter")  # refused: no proposal to confirm on this cell
            assert "press the class key" in page.inner_text("#review-status")
            page.keyboard.press("l")  # so the person chooses the class
        else:
            page.keyboard.press("Enter")
        page.locator(".tile[data-decided=true]").nth(i).wait_for()
    assert page.inner_text("#left-count") == "0"
    screenshot(page, "ai_gallery_decided")

    page.goto(f"{live_app.url}/review/cases/{case_id}/gallery?slide=Fields%20e2e")
    agreement = page.inner_text("#agreement")
    assert "This case" in agreement and "morphologist" in agreement
    csv_text = page.request.get(f"{live_app.url}/review/cases/{case_id}/agreement.csv").text()
    assert csv_text.startswith("scope,cells,overall_agreement,cohen_kappa")
    page.click("#count-slide button[type=submit]")
    page.wait_for_url(f"**/counter/cases/{case_id}")
    assert "Fields e2e" in page.inner_text("#slides")

    # the pathologist's draft says how this slide was counted, and by whom
    sign_in(page, live_app, "pathologist")
    page.goto(f"{live_app.url}/pathologist/cases/{case_id}")
    method = page.input_value("#report-form textarea[name=differential_method]")
    assert "Slide Fields e2e" in method and "AI-proposed" in method
    assert "each reviewed by morphologist" in method and "field image(s)" in method


def _fields_of_width(shared_data: Path, width: int, n: int) -> list[str]:
    from PIL import Image

    out = []
    for path in sorted((shared_data / "txl_pbc" / "images" / "val").glob("*.jpg")):
        with Image.open(path) as opened:
            if opened.size[0] == width:
                out.append(str(path))
        if len(out) == n:
            break
    return out


def _upload(page: Any, live_app: LiveApp, case_id: int, label: str, fields: list[str]) -> None:
    page.goto(f"{live_app.url}/review/cases/{case_id}/gallery")
    page.fill("#fields-upload input[name=slide_label]", label)
    page.set_input_files("#fields-upload input[name=fields]", fields)
    page.click("#fields-upload button[type=submit]")
    page.wait_for_selector("#fields-result")


def test_agreement_moves_with_each_decision_and_shift_a_says_what_it_left(
    page: Any, live_app: LiveApp, shared_data: Path
) -> None:
    """PBC's own fields: kappa and agreement update without a reload; Shift+A counts."""
    case_id = _new_case(live_app)
    sign_in(page, live_app, "morphologist")
    _upload(page, live_app, case_id, "Own lab", _fields_of_width(shared_data, 360, 10))
    assert page.locator("#abstain-note").count() == 0
    assert "blasts, plasma cells or erythroid precursors" in page.inner_text("#blind-spots")
    assert page.locator("#agreement").is_hidden()
    page.evaluate("window.__sameDocument = true")

    page.locator(".tile:focus").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_selector("#agreement tbody tr", state="visible")
    first = page.inner_text("#agreement tbody tr:first-child")
    assert first.split("\t")[:2] == ["This case", "1"]
    page.keyboard.press("b")  # basophil: a change unless the model said BAS too
    page.wait_for_selector("#agreement tbody tr:first-child td:nth-child(2):text-is('2')")
    assert page.evaluate("window.__sameDocument === true")  # no reload happened
    assert "morphologist" in page.inner_text("#agreement")

    waiting = page.locator(".tile.flagged[data-decided=false]").count()
    page.keyboard.press("Shift+A")
    page.wait_for_selector("#acceptance-note")
    note = page.inner_text("#acceptance-note")
    assert f"{waiting} left for a person" in note and "accepted" in note
    assert page.locator(".tile.flagged[data-decided=false]").count() == waiting
    assert page.locator(".tile:not(.flagged)[data-decided=false]").count() == 0


def test_a_foreign_slide_gets_no_ai_proposal_and_is_classified_by_keyboard(
    page: Any, live_app: LiveApp, shared_data: Path
) -> None:
    """Another lab's fields: the reason on screen, no proposal, Shift+A accepts nothing."""
    case_id = _new_case(live_app)
    sign_in(page, live_app, "morphologist")
    _upload(page, live_app, case_id, "Foreign", _fields_of_width(shared_data, 575, 20))

    note = page.inner_text("#abstain-note")
    assert "No AI proposal on this slide" in note and "look unlike the images" in note
    assert "To classify (no AI proposal on this slide)" in page.inner_text("#gallery")
    assert page.locator(".tile[data-model='']").count() == page.locator(".tile").count()
    assert page.locator("#confirm-unflagged button").is_disabled()
    page.locator(".tile:focus").wait_for()
    page.keyboard.press("Shift+A")
    assert "nothing accepted" in page.inner_text("#review-status")
    page.keyboard.press("Enter")
    assert "no AI proposal" in page.inner_text("#review-status")
    assert page.locator(".tile[data-decided=true]").count() == 0
    page.keyboard.press("s")  # the keymap's segmented neutrophil key classifies the cell
    page.wait_for_selector(".tile[data-decided=true]")
    decided = page.locator("#live-differential tr[data-code=NGS] td.decided")
    assert decided.inner_text() == "1"
    screenshot(page, "ai_gallery_abstained")


def test_a_cell_in_another_laboratorys_colours_shows_why_it_waits(
    page: Any, live_app: LiveApp, shared_data: Path, tmp_path: Path
) -> None:
    """Two of ten fields re-stained yellow: their cells say why; Shift+A leaves them."""
    from PIL import Image

    fields = _fields_of_width(shared_data, 360, 10)
    for i in (0, 1):
        with Image.open(fields[i]) as opened:
            red, green, blue = opened.convert("RGB").split()
        tinted = tmp_path / f"yellow{i}.png"
        Image.merge("RGB", (red, green, blue.point(lambda v: int(v * 0.7)))).save(tinted)
        fields[i] = str(tinted)
    case_id = _new_case(live_app)
    sign_in(page, live_app, "morphologist")
    _upload(page, live_app, case_id, "Mixed", fields)

    assert page.locator("#abstain-note").count() == 0  # two odd cells in ten: no alarm
    reasons = page.locator(".tile.flagged .reason").all_inner_texts()
    colour = [r for r in reasons if "colours unlike the training laboratory's" in r]
    assert len(colour) >= 2, reasons
    page.locator(".tile:focus").wait_for()
    page.keyboard.press("Shift+A")
    page.wait_for_selector("#acceptance-note")
    still = page.locator(".tile.flagged[data-decided=false] .reason").all_inner_texts()
    assert sum("colours unlike" in r for r in still) == len(colour)
    screenshot(page, "ai_gallery_other_colours")
