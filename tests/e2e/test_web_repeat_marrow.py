"""The patient's next marrow in a real browser: a patient with a diagnostic AML marrow
gets a second case at day 28; the same indication twice on one day is refused beside its
field; the pathologist sees the comparison with the diagnostic marrow and the response
it is consistent with, adopts and signs; the patient's portal lists both reports, oldest
first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
)
from marrowscope.domain.pathway.procedure import ProcedureRecord, Side, Site
from marrowscope.domain.pathway.safety import Plan, Sedation
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import counting, pathway, reporting
from marrowscope.services.cases import open_case
from marrowscope.services.quality import log_critical_call
from tests.e2e.test_web_reporting import CLINICIAN, OPERATOR
from tests.e2e.web_support import PASSWORDS, LiveApp, screenshot, serve, sign_in

pytestmark = pytest.mark.browser

PATHOLOGIST = Actor("pathologist", Role.PATHOLOGIST)
COUNTER = Actor("morphologist", Role.MORPHOLOGIST)
DIAGNOSTIC = {"BLA": 124, "PMO": 6, "MYB": 10, "NGS": 30, "EBO": 20, "LYT": 10}  # 62 % blasts
DAY_28 = {"BLA": 6, "PMO": 8, "MYB": 30, "NGS": 80, "EBO": 56, "LYT": 20}  # 3 % blasts


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """A server of its own: this walk adds cases to the second demo patient."""
    with serve(tmp_path_factory.mktemp("repeat")) as running:
        yield running


def _assess_and_operate(uow: Any, case_id: int) -> None:
    """An assessment (she is 45: pregnancy asked and answered) and the procedure."""
    planned = uow.now() - timedelta(hours=3)
    checked = (planned - timedelta(hours=2)).isoformat()
    pathway.record_assessment(
        uow, Actor("nurse", Role.NURSE), case_id,
        plan=Plan(planned_at=planned, sedation=Sedation.LOCAL),
        assessment={
            "assessed_at": (planned - timedelta(hours=1)).isoformat(), "allergies": [],
            "pregnancy": "not_pregnant", "platelets_per_nl": 150, "platelets_at": checked,
            "inr": 1.0, "inr_at": checked, "creatinine_clearance_ml_min": 80,
            "medications": [], "other_medications": [], "driver_home": True,
            "consent_by": "patient", "consent_signed_by": "Second Patient",
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


def _work_up(uow: Any, stores: Any, case_id: int, counts: dict[str, int], cbc: dict[str, Any]):  # type: ignore[no-untyped-def]
    pathway.record_cbc(
        uow, CLINICIAN, case_id, collected_at=uow.now() - timedelta(hours=6), measurements=cbc
    )
    _assess_and_operate(uow, case_id)
    slide = counting.open_slide(uow, stores, COUNTER, case_id, "Slide A")
    counting.finish_count(uow, stores, COUNTER, slide.id, 1, counts)


def _diagnostic_marrow_28_days_ago(app: LiveApp) -> tuple[int, str, str]:
    """The second demo patient's diagnostic marrow, signed and released 28 days ago."""
    engine = build_engine(Settings(database_url=app.database_url))
    then = datetime.now().astimezone() - timedelta(days=28)
    factory = build_uow_factory(engine, lambda: then)
    stores = build_account_services(factory).stores
    with factory() as uow:
        patient = uow.patients.get(app.demo.other_patient_id)
        case = open_case(uow, CLINICIAN, patient.id)
        pathway.place_order(
            uow, CLINICIAN, case.id, indications=["blasts_in_blood"],
            clinical_details="Blasts on the film.",
        )  # fmt: skip
        cbc = {"hb": (8.1, "g/dL"), "platelets": 31, "neutrophils": 0.4, "wbc": 23.0}
        _work_up(uow, stores, case.id, DIAGNOSTIC, cbc)
        reporting.save_draft(uow, PATHOLOGIST, case.id, {"conclusion": "AML."}, counts=DIAGNOSTIC)
        signed = reporting.sign_report(uow, PATHOLOGIST, case.id, confirm_warnings=True)
        # neutrophils 0.4 are critical: the call is logged before the report may go out
        log_critical_call(
            uow, CLINICIAN, case.id, recipient="Dr Ward Registrar", called_at=uow.now(),
            read_back=True,
        )  # fmt: skip
        reporting.release_report(uow, CLINICIAN, case.id, version=signed.version)
    return case.id, patient.mrn, patient.birth_date.isoformat()


def _day_28_work_up(app: LiveApp, case_id: int) -> None:
    factory = build_uow_factory(build_engine(Settings(database_url=app.database_url)))
    stores = build_account_services(factory).stores
    with factory() as uow:
        _work_up(uow, stores, case_id, DAY_28,
                 {"hb": (10.9, "g/dL"), "platelets": 160, "neutrophils": 1.9, "wbc": 4.2,
                  "blasts_percent": 0})  # fmt: skip


def _release(app: LiveApp, case_id: int) -> None:
    factory = build_uow_factory(build_engine(Settings(database_url=app.database_url)))
    with factory() as uow:
        version = reporting.current_report(uow, PATHOLOGIST, case_id).version
        reporting.release_report(uow, CLINICIAN, case_id, version=version)


def _open_next(page: Any, app: LiveApp, mrn: str, born: str) -> int:
    page.goto(app.url + "/clinician")
    page.fill("#next-case-mrn", mrn)
    page.fill("#next-case-birth_date", born)
    page.click("#next-case button[type=submit]")
    assert "/clinician/cases/" in page.url, page.content()
    return int(page.url.rsplit("/", 1)[1])


def _order(page: Any, indication: str) -> None:
    page.check(f"#order-form-indications input[value={indication}]")
    page.fill("#order-form-clinical_details", "Day 28 after 7+3 induction.")
    page.click("#order-form button[type=submit]")


def test_day_28_marrow_is_compared_given_its_response_signed_and_listed_in_the_portal(
    page: Any, app: LiveApp, tmp_path: Path
) -> None:
    first, mrn, born = _diagnostic_marrow_28_days_ago(app)

    sign_in(page, app, "clinician")
    page.fill("#next-case-mrn", mrn)  # a wrong date of birth opens nothing
    page.fill("#next-case-birth_date", "1900-01-01")
    page.click("#next-case button[type=submit]")
    assert "no patient with this MRN and date of birth" in page.inner_text("#next-case")
    second = _open_next(page, app, mrn, born)
    _order(page, "treatment_monitoring")
    third = _open_next(page, app, mrn, born)  # the same request entered twice today
    _order(page, "treatment_monitoring")
    refusal = page.inner_text("#order-form")
    assert f"already ordered on case {second}, opened the same day" in refusal, refusal
    page.goto(f"{app.url}/patients/{app.demo.other_patient_id}")
    listed = page.locator("#examinations tbody tr").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.case))"
    )
    assert listed == [first, second, third]
    _day_28_work_up(app, second)

    sign_in(page, app, "pathologist")
    page.goto(f"{app.url}/pathologist/cases/{second}")
    blasts = page.locator('#followup-figures tr[data-figure="Blasts (marrow)"]').inner_text()
    assert "62.0 % (124/200)" in blasts and "3.0 % (6/200)" in blasts and "yes" in blasts
    proposed = page.inner_text("#response-proposed")
    assert "Consistent with complete remission (CR) (ELN 2022 response)" in proposed, proposed
    screenshot(page, "pathologist_followup_panel")
    page.click("#adopt-form button[type=submit]")
    comparison = page.input_value("#report-form [name=comparison]")
    assert (
        comparison.startswith(f"Compared with case {first}") and "complete remission" in comparison
    )
    page.fill("#report-form textarea[name=conclusion]", "AML in complete remission (ELN 2022).")
    page.click("#report-form button[type=submit]")
    if page.locator("#sign-form input[name=confirm_warnings]").count():
        page.check("#sign-form input[name=confirm_warnings]")
    page.fill("#sign-form input[name=password]", PASSWORDS["pathologist"])
    page.click("#sign-form button[type=submit]")
    state = page.locator("#report-state")
    assert state.get_attribute("data-status") == "signed", page.inner_text("#report")
    _release(app, second)

    sign_in(page, app, "patient2")
    page.goto(f"{app.url}/patient/{app.demo.other_patient_id}")
    reports = page.locator("#released-reports li").evaluate_all(
        "items => items.map(i => Number(i.dataset.case))"
    )
    assert reports == [first, second]
    screenshot(page, "portal_two_reports")
