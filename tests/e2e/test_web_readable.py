"""A readable screen in a real browser (issue 18): the clinician's blood count shows
names, units and reference intervals, and a critical value stands out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.web_support import LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_the_blood_count_reads_in_words_and_units_and_flags_a_critical_value(
    page: Any, live_app: LiveApp
) -> None:
    sign_in(page, live_app, "clinician")
    page.goto(f"{live_app.url}/clinician/cases/{live_app.demo.case_id}")

    page.fill("#value_wbc", "1.1")
    page.fill("#value_neutrophils", "0.3")
    page.fill("#value_platelets", "15")
    page.fill("#value_hb", "14.1")
    page.select_option("select[name=unit_hb]", "g/dL")
    page.click("#cbc-form button[type=submit]")

    table = page.locator("#cbcs table.cbc").first
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["Analyte", "Value", "Unit", "Reference interval", "Status"]
    neutrophils = table.locator("tr[data-analyte=neutrophils]")
    assert neutrophils.get_attribute("class") == "critical"
    assert neutrophils.inner_text().split("\t")[:3] == ["Neutrophils", "0.3", "×10⁹/L"]
    assert "Critical: below 0.5 ×10⁹/L" in neutrophils.inner_text()
    hb = table.locator("tr[data-analyte=hb]")
    assert hb.inner_text().split("\t")[:3] == ["Haemoglobin", "141", "g/L"]
    assert hb.get_attribute("class") == ""  # normal: not boxed like the others
    background = neutrophils.evaluate("r => getComputedStyle(r).backgroundColor")
    assert background != hb.evaluate("r => getComputedStyle(r).backgroundColor")
    screenshot(page, "readable_cbc_critical")
