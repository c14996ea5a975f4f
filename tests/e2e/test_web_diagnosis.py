"""The integrated diagnosis in a real browser: panel, adopt, sign, and what leaves.

A case with a blood count, a 500-cell count, a karyotype and a molecular panel shows the
decision-support panel on the pathologist's page; the pathologist adopts the proposal,
signs with the password, and the PDF (summary first) and the FHIR export carry what was
signed: the WHO/ICC lines in the conclusion and each signed risk group as an Observation.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
)
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.diagnosis.risk.signed import signed_risks
from marrowscope.domain.lab import TestState
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases, counting, lab, pathway
from tests.e2e.test_web_reporting import CLINICIAN, LAB, OPERATOR, _assess_and_operate
from tests.e2e.web_support import PASSWORDS, LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser

PATHOLOGIST = Actor("pathologist", Role.PATHOLOGIST)
COUNTER = Actor("morphologist", Role.MORPHOLOGIST)
# 8 % blasts of 500 nucleated cells: MDS with increased blasts 1 by WHO, MDS-EB by ICC
COUNTS = {"BLA": 40, "PMO": 20, "MYB": 40, "NGS": 150, "EBO": 130, "LYT": 80, "MON": 20,
          "BAS": 5, "PLM": 15}  # fmt: skip
MOLECULAR = {
    "panel": "Myeloid NGS",
    "variants": [{"gene": "ASXL1", "hgvs_c": "c.1934dup", "vaf_percent": 38}],
    "genes_tested": ["TP53", "ASXL1", "SF3B1", "NPM1", "FLT3", "RUNX1", "NRAS", "KRAS"],
}


def _result(uow: Any, case_id: int, kind: str, test: str, data: dict[str, Any]) -> None:
    got = lab.collect_specimen(uow, OPERATOR, case_id, kind=kind, tests=[test])
    lab.receive_specimen(uow, LAB, got.specimen.accession)
    [row] = got.tests
    lab.advance_test(uow, LAB, row.id, TestState.IN_PROCESS)
    lab.post_result(uow, LAB, row.id, data)
    lab.verify_result(uow, PATHOLOGIST, row.id)


def _worked_case(app: LiveApp) -> int:
    factory = build_uow_factory(build_engine(Settings(database_url=app.database_url)))
    stores = build_account_services(factory).stores
    with factory() as uow:
        person = cases.register_patient(
            uow, CLINICIAN, mrn="E2E-0027", family_name="Dx", given_name="Dora",
            birth_date=date(1961, 2, 3), sex=Sex.FEMALE,
        )  # fmt: skip
        case = cases.open_case(uow, CLINICIAN, person.id)
        pathway.place_order(
            uow, CLINICIAN, case.id, indications=["pancytopenia"],
            clinical_details="Anaemia and thrombocytopenia for four months.",
        )  # fmt: skip
        pathway.record_cbc(
            uow, CLINICIAN, case.id, collected_at=uow.now() - timedelta(days=2),
            measurements={"hb": (8.9, "g/dL"), "platelets": 64,
                          "neutrophils": 0.7, "wbc": 2.1},
        )  # fmt: skip
        _assess_and_operate(uow, case.id)
        iscn = {"iscn": "46,XX,del(5)(q13q33)[15]/46,XX[5]", "metaphases_analysed": 20}
        _result(uow, case.id, "aspirate_heparin", "karyotype", iscn)
        _result(uow, case.id, "aspirate_edta", "molecular_panel", MOLECULAR)
        slide = counting.open_slide(uow, stores, COUNTER, case.id, "Slide A")
        counting.finish_count(uow, stores, COUNTER, slide.id, 1, COUNTS)
    return case.id


def _pdf_text(body: bytes, folder: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    path = folder / "report.pdf"
    path.write_bytes(body)
    run = ["pdftotext", "-raw", str(path), "-"]
    return subprocess.run(run, check=True, capture_output=True, text=True).stdout


def test_the_panel_is_adopted_signed_and_carried_by_the_pdf_and_fhir(
    page: Any, live_app: LiveApp, tmp_path: Path
) -> None:
    case = _worked_case(live_app)

    sign_in(page, live_app, "pathologist")
    page.goto(f"{live_app.url}/pathologist/cases/{case}")
    panel = page.locator("#diagnosis")
    assert "WHO 2022" in panel.inner_text() and "ICC 2022" in panel.inner_text()
    assert panel.locator("table.trace tr").count() > 3  # every criterion traced
    screenshot(page, "pathologist_diagnosis_panel")
    panel.locator("details.diagnosis-context summary").click()
    page.select_option("#ctx-dysplasia_erythroid", "yes")
    page.select_option("#ctx-dysplasia_megakaryocytic", "yes")
    page.select_option("#ctx-prior_cytotoxic_therapy", "no")
    page.click("#context-form button[type=submit]")
    assert "(3 entered)" in page.inner_text("#diagnosis details.diagnosis-context summary")
    page.click("#adopt-form button[type=submit]")

    who = page.input_value("#report-form [name=who_2022]")
    icc = page.input_value("#report-form [name=icc_2022]")
    risks = page.input_value("#report-form textarea[name=risk_scores]")
    assert "increased blasts" in who.lower(), who
    assert "MDS" in icc, icc
    assert page.input_value("#report-form textarea[name=diagnosis_proposal]")
    page.fill("#report-form textarea[name=conclusion]", "Consistent with MDS, del(5q) clone.")
    page.click("#report-form button[type=submit]")
    if page.locator("#sign-form input[name=confirm_warnings]").count():
        page.check("#sign-form input[name=confirm_warnings]")
    page.fill("#sign-form input[name=password]", PASSWORDS["pathologist"])
    page.click("#sign-form button[type=submit]")
    assert "signed" in page.inner_text("#report-status").lower()

    pdf = page.request.get(f"{live_app.url}/pathologist/cases/{case}/report.pdf")
    text = _pdf_text(pdf.body(), tmp_path)
    summary = text[text.index("Summary") : text.index("Clinical details")]
    assert " ".join(who.split()[:4]) in " ".join(summary.split())
    assert "del(5)(q13q33)" in summary  # the karyotype, prefilled from the verified result
    assert "Blasts (aspirate differential)" in summary and "8.0 %" in summary

    bundle = page.request.get(f"{live_app.url}/api/cases/{case}/fhir").json()
    report = next(e["resource"] for e in bundle["entry"] if "conclusion" in e["resource"])
    assert f"WHO 2022: {who.rstrip('.')}" in report["conclusion"]
    coded = {
        (r["code"]["coding"][0]["display"], r["valueCodeableConcept"]["text"])
        for r in (e["resource"] for e in bundle["entry"])
        if r["resourceType"] == "Observation" and "valueCodeableConcept" in r
    }
    assert coded == {(r.system, r.category) for r in signed_risks(risks).risks}
    assert coded, risks  # Hb, platelets, ANC, blasts and the karyotype settle IPSS-R
