"""The site's names hold on every way out and back in, not only in file exports.

With non-default settings (the hospital's assigning authority and MRN system, NPI as
the provider identifier type), the FHIR REST reads name the patient exactly as
``export fhir`` does, and a refused order corrected and replayed from the message log
keeps the orderer by the site's identifier type, as the listener would have.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import (
    DemoIds,
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    export_site,
    prepare_demo,
)
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import interop
from marrowscope.services.accounts import DEMO_USERS, create_user
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase
from tests.integration.hl7_orders import epic

MRN_SYSTEM = "urn:oid:2.16.840.1.113883.19.5.99"
EHR_PASSWORD = "site-names-interface-1"
PASSWORDS = {u.username: u.password for u in DEMO_USERS}
EHR = {"Authorization": "Basic " + base64.b64encode(f"ehr:{EHR_PASSWORD}".encode()).decode()}


@pytest.fixture(scope="module")
def site(
    web_database: WebDatabase,
) -> Iterator[tuple[TestClient, Settings, DemoIds, UnitOfWorkFactory]]:
    settings = Settings(
        database_url=web_database("site_names"),
        hl7_assigning_authority="GENHOSP",
        fhir_mrn_system=MRN_SYSTEM,
        hl7_provider_id_type="NPI",
    )
    ids = prepare_demo(settings)
    engine = build_engine(settings)
    accounts = build_account_services(build_uow_factory(engine), settings)
    with accounts.uow_factory() as uow:
        create_user(
            uow, accounts.stores, Actor("admin", Role.ADMIN), username="ehr",
            password=EHR_PASSWORD, role=Role.INTERFACE, display_name="EHR interface",
        )  # fmt: skip
    with TestClient(create_app(settings)) as client:
        yield client, settings, ids, accounts.uow_factory
    engine.dispose()


def _exported_patient(factory: UnitOfWorkFactory, settings: Settings, case_id: int) -> Any:
    with factory() as uow:
        bundle = interop.export_case_fhir(
            uow, Actor("pathologist", Role.PATHOLOGIST), case_id, site=export_site(settings)
        )
    [patient] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    return patient["identifier"]


def test_the_fhir_rest_reads_name_the_patient_as_the_export_does(
    site: tuple[TestClient, Settings, DemoIds, UnitOfWorkFactory],
) -> None:
    client, settings, ids, factory = site

    search = client.get(f"/fhir/DiagnosticReport?patient={ids.patient_id}", headers=EHR)
    read = client.get(f"/fhir/Patient/{ids.patient_id}", headers=EHR)

    assert search.status_code == 200 and read.status_code == 200, search.text
    [included] = [e["resource"] for e in search.json()["entry"] if e["search"]["mode"] == "include"]
    exported = _exported_patient(factory, settings, ids.case_id)
    assert included["identifier"] == exported == read.json()["identifier"]
    [mrn] = exported
    assert mrn["system"] == MRN_SYSTEM and mrn["assigner"] == {"display": "GENHOSP"}
    assert mrn["type"]["coding"][0]["code"] == "MR"


def _sign_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post(
        "/login",
        data={"username": username, "password": PASSWORDS[username], "csrf_token": token},
    )
    return str(client.get("/api/me").json()["csrf_token"])


def _order(control: str, **over: str) -> str:
    """The Epic-style order for this site's MRN authority, with the orderer identified
    twice: a local number first, the NPI second."""
    two_ids = "LOC77^Smith^Ann^^^Dr^^^LOCAL~1234567890^Smith^Ann^^^Dr^^^NPI"
    return (
        epic(control, placer="E5550001", **over)
        .replace("1234567890^Smith^Ann^^^Dr^^^NPI", two_ids)
        .replace("^^^HOSP^MR", "^^^GENHOSP^MR")
    )


def test_a_replayed_order_keeps_the_orderer_by_the_site_s_provider_type(
    site: tuple[TestClient, Settings, DemoIds, UnitOfWorkFactory],
) -> None:
    client, _, _, factory = site
    sent = _order("EP-SITE-1", obr31="")
    refused = interop.receive_hl7(factory, sent.encode())
    assert not refused.accepted  # no reason for the examination
    # corrected: the reason added, under a new MSH-10 (the old one is spent on the refusal)
    corrected = _order("EP-SITE-2")
    csrf = _sign_in(client, "lab")

    answer = client.post(
        f"/interop/messages/{refused.exchange_id}/replay",
        data={"csrf_token": csrf, "text": corrected},
        follow_redirects=False,
    )

    assert answer.status_code == 303, answer.text
    with factory() as uow:
        [replayed] = [
            e for e in interop.message_log(uow, Actor("lab", Role.LAB_SCIENTIST))
            if e.corrected_from == refused.exchange_id
        ]  # fmt: skip
        assert replayed.case_id is not None, replayed.error
        order = uow.pathway.latest(replayed.case_id, RecordKind.ORDER)
    assert order is not None
    assert order.payload["ordered_by"] == "Dr Ann Smith (1234567890)"
    client.cookies.clear()
