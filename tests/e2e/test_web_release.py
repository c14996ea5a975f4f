"""Release and the pathologist's view in a real browser: sign, release with confirmation,
amend, and what the patient and the case page then say.

The patient's portal shows the last *released* version, labelled with its number, and
says an update is coming; the amendment reaches the portal only when it is released in
its turn. A case of its own (a new patient with their own portal account), so the walk
does not depend on what other tests did to the demo case on the shared server.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
)
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases, pathway
from marrowscope.services.accounts import create_user
from tests.e2e.web_support import PASSWORDS, LiveApp, screenshot, sign_in

pytestmark = pytest.mark.browser

CLINICIAN = Actor("clinician", Role.CLINICIAN)
PORTAL = ("rita.release", "rita-release-portal-walk")
FIRST = "Hypocellular marrow; consider aplastic anaemia."
AMENDED = "Hypocellular marrow consistent with aplastic anaemia (trephine cellularity 10 %)."
LOCAL_TIME = r"\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d [A-Z+\-0-9]+"


def _new_case(
    app: LiveApp, mrn: str, measurements: dict[str, float], portal: bool = False
) -> tuple[int, int]:
    """A new patient (with a portal account when ``portal``), an order and a count."""
    settings = Settings(database_url=app.database_url)
    engine = build_engine(settings)
    factory = build_uow_factory(engine)
    with factory() as uow:
        person = cases.register_patient(
            uow, CLINICIAN, mrn=mrn, family_name="Release", given_name="Rita",
            birth_date=date(1961, 7, 9), sex=Sex.FEMALE,
        )  # fmt: skip
        case = cases.open_case(uow, CLINICIAN, person.id)
        pathway.record_cbc(
            uow, CLINICIAN, case.id, collected_at=uow.now() - timedelta(hours=2),
            measurements=measurements,
        )  # fmt: skip
        pathway.place_order(
            uow, CLINICIAN, case.id, indications=["pancytopenia"],
            clinical_details="Pancytopenia with bleeding gums.",
        )  # fmt: skip
    if portal:
        accounts = build_account_services(factory, settings)
        with accounts.uow_factory() as uow:
            create_user(
                uow, accounts.stores, Actor("admin", Role.ADMIN), username=PORTAL[0],
                password=PORTAL[1], role=Role.PATIENT, display_name="Rita Release",
                patient_id=person.id,
            )  # fmt: skip
    engine.dispose()
    return case.id, person.id


def _portal(page: Any, app: LiveApp, patient_id: int) -> None:
    page.context.clear_cookies()
    page.goto(app.url + "/login")
    page.fill("input[name=username]", PORTAL[0])
    page.fill("input[name=password]", PORTAL[1])
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert page.url == f"{app.url}/patient/{patient_id}"


def _release(page: Any, app: LiveApp, case: int, version: int) -> None:
    """Clinician: from the case page to the confirmation, ticked, with the password."""
    sign_in(page, app, "clinician")
    page.goto(f"{app.url}/clinician/cases/{case}")
    assert "awaiting release" in page.inner_text("#report-state")
    page.click("#release-link")
    assert page.get_attribute("#release-version", "data-version") == str(version)
    page.check("#release-form-version")
    page.fill("#release-form-password", PASSWORDS["clinician"])
    page.click("#release-form button[type=submit]")
    page.wait_for_selector("#report-released")


def test_the_pathologist_sees_critical_values_as_the_clinician_does(
    page: Any, live_app: LiveApp
) -> None:
    """Units, intervals and the critical highlight on the case view; "(critical low)" in
    the draft, where a merely low value stays "(low)"."""
    case, _ = _new_case(live_app, "E2E-REL-0", {"hb": 84, "neutrophils": 0.3, "platelets": 8})

    sign_in(page, live_app, "pathologist")
    page.goto(f"{live_app.url}/pathologist/cases/{case}")

    platelets = page.locator("#clinical tr[data-analyte=platelets]")
    assert platelets.get_attribute("class") == "critical"
    assert "Critical: below 20" in platelets.inner_text() and "10⁹/L" in platelets.inner_text()
    assert page.locator("#clinical tr[data-analyte=hb]").get_attribute("class") == "abnormal"
    blood = page.input_value("#report-form textarea[name=blood_findings]")
    assert "Platelets 8 x10^9/L (critical low)" in blood
    assert "Neutrophils 0.3 x10^9/L (critical low)" in blood
    assert "Haemoglobin 84 g/L (low)" in blood  # low, above the critical 70 g/L
    screenshot(page, "release_pathologist_cbc")


def test_sign_release_amend_and_the_portal_keeps_the_released_version(
    page: Any, live_app: LiveApp
) -> None:
    # low counts, none beyond a critical limit (a critical one must first be telephoned)
    case, patient_id = _new_case(live_app, "E2E-REL-1", {"hb": 84, "platelets": 45}, portal=True)
    sign_in(page, live_app, "pathologist")
    page.goto(f"{live_app.url}/pathologist/cases/{case}")

    # sign
    page.fill("#report-form [name=conclusion]", FIRST)
    page.click("#report-form button[type=submit]")
    if page.locator("#signout-warnings").count():
        page.check("#sign-form input[name=confirm_warnings]")
    page.fill("#sign-form input[name=password]", PASSWORDS["pathologist"])
    page.click("#sign-form button[type=submit]")
    assert "awaiting release" in page.inner_text("#report-state")

    # release asks for confirmation; an unticked box is refused beside it
    sign_in(page, live_app, "clinician")
    page.goto(f"{live_app.url}/clinician/cases/{case}")
    page.click("#release-link")
    assert FIRST in page.inner_text("#release-conclusion")
    page.fill("#release-form-password", PASSWORDS["clinician"])
    page.click("#release-form button[type=submit]")
    assert "confirm the version" in page.inner_text("#release-form-version-error")
    screenshot(page, "release_confirm_refused")
    _release(page, live_app, case, 1)
    released = page.inner_text("#report-released")
    assert re.search(
        rf"Version 1 released by Dr Clara Clinician, clinician at {LOCAL_TIME}", released
    )
    assert "UTC" not in released  # the shared server runs in another zone

    # amend: a new signed version, not yet released
    sign_in(page, live_app, "pathologist")
    page.goto(f"{live_app.url}/pathologist/cases/{case}")
    page.fill("#report-form [name=conclusion]", AMENDED)
    page.fill("#report-form input[name=reason]", "trephine reported")
    page.fill("#report-form input[name=password]", PASSWORDS["pathologist"])
    page.click("#report-form button[type=submit]")
    assert "Version 2 signed" in page.inner_text("#report-state")

    # the portal shows the released version, labelled, and says an update is coming
    _portal(page, live_app, patient_id)
    assert "Version 1 of your report, released to you on" in page.inner_text("#report-state")
    assert page.locator("#report-updated").is_visible()
    summary = page.inner_text("#released-summary")
    assert FIRST in summary and AMENDED not in summary
    screenshot(page, "release_portal_after_amendment")

    # the case says which version was released, by whom, when, and what the patient sees
    sign_in(page, live_app, "clinician")
    page.goto(f"{live_app.url}/clinician/cases/{case}")
    line = page.inner_text("#report-released")
    assert line.startswith("Version 1 released by Dr Clara Clinician, clinician at ")
    assert "the patient's portal shows version 1 until version 2 is released" in line
    screenshot(page, "release_case_after_amendment")

    # releasing the amendment brings it to the portal
    _release(page, live_app, case, 2)
    assert "Version 2 released by Dr Clara Clinician" in page.inner_text("#report-released")
    _portal(page, live_app, patient_id)
    assert "Version 2 of your report" in page.inner_text("#report-state")
    assert AMENDED in page.inner_text("#released-summary")
    assert page.locator("#report-updated").count() == 0
