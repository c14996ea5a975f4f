"""Issue 18 in a real browser: structured lab results as tables, a prefilled draft, a
guarded sign-out (warnings + password), and a PDF whose every page names the patient."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from marrowscope.bootstrap import Settings, build_engine, build_uow_factory
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.lab import TestState
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases, lab, pathway
from tests.e2e.web_support import PASSWORDS, LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser

CLINICIAN = Actor("clinician", Role.CLINICIAN)
LAB = Actor("lab", Role.LAB_SCIENTIST)
OPERATOR = Actor("proceduralist", Role.PROCEDURALIST)


def _assess_and_operate(uow: Any, case_id: int) -> None:
    """The minimum before marrow specimens exist: an assessment and the procedure."""
    from datetime import timedelta

    from marrowscope.domain.pathway.procedure import ProcedureRecord, Side, Site
    from marrowscope.domain.pathway.safety import Plan, Sedation

    now = uow.now()
    planned = now - timedelta(hours=3)
    pathway.record_assessment(
        uow, Actor("nurse", Role.NURSE), case_id,
        plan=Plan(planned_at=planned, sedation=Sedation.LOCAL),
        assessment={
            "assessed_at": (planned - timedelta(hours=1)).isoformat(),
            "allergies": [], "pregnancy": "not_applicable", "platelets_per_nl": 150,
            "platelets_at": (planned - timedelta(hours=2)).isoformat(), "inr": 1.0,
            "inr_at": (planned - timedelta(hours=2)).isoformat(),
            "creatinine_clearance_ml_min": 80, "medications": [], "other_medications": [],
            "driver_home": True, "consent_by": "patient", "consent_signed_by": "Rita Report",
        },
    )  # fmt: skip
    start = planned + timedelta(minutes=10)
    pathway.record_procedure(
        uow, OPERATOR, case_id,
        ProcedureRecord(
            operator="proceduralist", site=Site.POSTERIOR_ILIAC_CREST, side=Side.LEFT,
            sedation=Sedation.LOCAL, time_out_at=start - timedelta(minutes=2),
            started_at=start, aspirate_at=start + timedelta(minutes=5),
            ended_at=start + timedelta(minutes=15), observation_minutes=30,
        ),
    )  # fmt: skip


def _new_case_with_fish_in_process(app: LiveApp) -> tuple[int, int]:
    """A second patient's case: order placed, FISH in process (the lab enters it)."""
    from datetime import date

    factory = build_uow_factory(build_engine(Settings(database_url=app.database_url)))
    with factory() as uow:
        person = cases.register_patient(
            uow, CLINICIAN, mrn="E2E-0018", family_name="Report", given_name="Rita",
            birth_date=date(1958, 5, 1), sex=Sex.FEMALE,
        )  # fmt: skip
        case = cases.open_case(uow, CLINICIAN, person.id)
        pathway.place_order(
            uow, CLINICIAN, case.id, indications=["pancytopenia"],
            clinical_details="Tiredness; pancytopenia on two counts.",
            tests=["aspirate_morphology", "trephine", "karyotype", "fish_panel"],
        )  # fmt: skip
        _assess_and_operate(uow, case.id)
        got = lab.collect_specimen(
            uow, OPERATOR, case.id, kind="aspirate_heparin", tests=["fish", "karyotype"]
        )
        lab.receive_specimen(uow, LAB, got.specimen.accession)
        fish = next(t.id for t in got.tests if t.test_type.value == "fish")
        lab.advance_test(uow, LAB, fish, TestState.IN_PROCESS)
    return case.id, fish


def test_results_as_tables_prefilled_draft_and_guarded_sign_out(
    page: Any, live_app: LiveApp, tmp_path: Path
) -> None:
    case, fish = _new_case_with_fish_in_process(live_app)

    sign_in(page, live_app, "lab")
    page.goto(f"{live_app.url}/lab/worklists/fish")
    card = page.locator(f".test[data-test='{fish}']")
    assert "REPORT, Rita · MRN E2E-0018" in card.locator("h2").inner_text()
    card.locator("input[name=probe-0]").fill("EGR1 (5q31)")
    card.locator("input[name=nuclei_scored-0]").fill("200")
    card.locator("input[name=abnormal_nuclei-0]").fill("300")  # more than scored
    card.locator(".result-form button").click()
    card = page.locator(f".test[data-test='{fish}']")
    assert "more than nuclei scored" in card.locator(".field-error").inner_text()
    assert card.locator("input[name=probe-0]").input_value() == "EGR1 (5q31)"
    card.locator("input[name=abnormal_nuclei-0]").fill("92")
    card.locator("input[name=cutoff_percent-0]").fill("5")
    card.locator(".result-form button").click()
    table = page.locator(f".test[data-test='{fish}'] .result-table")
    assert "abnormal (above cut-off)" in table.inner_text()
    screenshot(page, "lab_fish_structured")

    sign_in(page, live_app, "pathologist")
    page.goto(f"{live_app.url}/pathologist/cases/{case}")
    page.locator("#results form button").first.click()  # verify the FISH result
    page.goto(f"{live_app.url}/pathologist/cases/{case}")
    assert page.locator("#results .result-table").count() >= 1
    assert "Tiredness" in page.input_value("#report-form textarea[name=clinical_details]")
    assert "EGR1" in page.input_value("#report-form textarea[name=fish]")
    assert "Karyotype" in page.input_value("#report-form textarea[name=pending_tests]")
    page.fill("#report-form textarea[name=conclusion]", "Consider a myeloid neoplasm.")
    page.click("#report-form button[type=submit]")
    warnings = page.inner_text("#signout-warnings")
    assert (
        "Karyotype" in warnings and "nucleated cells" in warnings or "No differential" in warnings
    )

    page.fill("#sign-form input[name=password]", PASSWORDS["pathologist"])
    page.click("#sign-form button[type=submit]")
    assert "confirm" in page.inner_text("#confirm-error")
    page.check("#sign-form input[name=confirm_warnings]")
    page.fill("#sign-form input[name=password]", "not-my-password")
    page.click("#sign-form button[type=submit]")
    assert "password" in page.inner_text("#password-error")
    screenshot(page, "pathologist_sign_out")
    page.check("#sign-form input[name=confirm_warnings]")
    page.fill("#sign-form input[name=password]", PASSWORDS["pathologist"])
    page.click("#sign-form button[type=submit]")
    assert "Dr Pia Pathologist, pathologist" in page.inner_text("#report-status")

    pdf = page.request.get(f"{live_app.url}/pathologist/cases/{case}/report.pdf")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.body())
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    for number, one in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in one
        assert "Rita Report · MRN E2E-0018 · born 1958-05-01" in one
