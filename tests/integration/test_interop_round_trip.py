"""Acceptance: an EHR's order in and the signed result back, on the loopback, two ways.

MLLP: an Epic-style OML^O21 (placer E1047283^EPC) arrives through python-hl7's
``MLLPClient``; the case is worked to a signed report through the use cases; the report
is queued and delivered by ``marrowscope``'s MLLP client to python-hl7's asyncio MLLP
server, which reads the ORU^R01 with python-hl7's own parser and answers with its own
ACK. FHIR REST: a Cerner-style transaction Bundle is POSTed as an interface account,
the case is signed, and the EHR reads the DiagnosticReport and its Observations back by
search, each answer valid against the official R4 schema.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import hl7
import pytest
from fastapi.testclient import TestClient
from hl7.client import MLLPClient

from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    prepare_demo,
)
from marrowscope.domain.counting.differential import demo_counts
from marrowscope.domain.interop.exchange import ExchangeStatus
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.hl7v2 import InboundRules
from marrowscope.interop.mllp import Listener, deliver
from marrowscope.services import interop, reporting
from marrowscope.services.accounts import create_user
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.services.walkthrough.demo_report import DEMO_FIELDS
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase
from tests.fhir_schema import R4Schema, load_r4_schema
from tests.integration.hl7_orders import epic
from tests.integration.mllp_support import IndependentServer

PATHOLOGIST = Actor("pathologist", Role.PATHOLOGIST)
LAB = Actor("lab", Role.LAB_SCIENTIST)
EHR_PASSWORD = "round-trip-interface-1"


@pytest.fixture(scope="module")
def site(web_database: WebDatabase) -> Iterator[tuple[Settings, UnitOfWorkFactory]]:
    settings = Settings(database_url=web_database("round_trip"))
    prepare_demo(settings)
    engine = build_engine(settings)
    accounts = build_account_services(build_uow_factory(engine), settings)
    with accounts.uow_factory() as uow:
        create_user(
            uow, accounts.stores, Actor("admin", Role.ADMIN), username="ehr",
            password=EHR_PASSWORD, role=Role.INTERFACE, display_name="Cerner interface",
        )  # fmt: skip
    yield settings, accounts.uow_factory
    engine.dispose()


def _sign(factory: UnitOfWorkFactory, case_id: int) -> None:
    """The pathologist's work on the case, through the use cases: draft, then sign."""
    with factory() as uow:
        reporting.save_draft(uow, PATHOLOGIST, case_id, DEMO_FIELDS, counts=demo_counts().as_dict())
        reporting.sign_report(
            uow, PATHOLOGIST, case_id, confirm_warnings=True, signer_name="Dr Pia Pathologist"
        )


def test_an_epic_order_over_mllp_comes_back_as_a_signed_oru_with_the_placer_number(
    site: tuple[Settings, UnitOfWorkFactory],
) -> None:
    _, factory = site
    listener = Listener(interop.HL7Receiver(factory, InboundRules()), "127.0.0.1", 0)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    order = epic("EP-RT-1", placer="E1047283").replace("E1047283^EPIC", "E1047283^EPC")
    try:
        with MLLPClient("127.0.0.1", listener.address[1]) as client:
            commit = hl7.parse(client.send_message(order).decode().strip("\x0b\x1c\r"))
    finally:
        listener.stop()
    with factory() as uow:
        [received] = [e for e in interop.message_log(uow, LAB) if e.control_id == "EP-RT-1"]
    assert str(commit.segment("MSA")[1]) == "CA"
    assert received.status is ExchangeStatus.ACCEPTED and received.case_id is not None
    case_id = received.case_id

    _sign(factory, case_id)
    ehr = IndependentServer("AA")
    try:
        with factory() as uow:
            interop.queue_report(uow, PATHOLOGIST, case_id, receiving="EPIC")
        [sent] = interop.deliver_queued(
            factory,
            lambda m: deliver(m, "127.0.0.1", ehr.port, attempts=3, backoff_s=0.1),
            destination=f"127.0.0.1:{ehr.port}",
        )
    finally:
        ehr.close()

    assert sent.status is ExchangeStatus.SENT and "MSA|AA|" in sent.answer.replace("\n", "\r")
    [oru] = [hl7.parse(m) for m in ehr.received]
    assert str(oru.segment("MSH")[9]).startswith("ORU^R01")
    assert str(oru.segment("PID")[3]).split("^")[0] == "H300123"
    assert str(oru.segment("OBR")[25]) == "F"  # final
    assert str(oru.segment("ORC")[2]).split("^")[:2] == ["E1047283", "EPC"]
    assert str(oru.segment("OBR")[2]).split("^")[:2] == ["E1047283", "EPC"]


def _bundle_order() -> dict[str, Any]:
    """Cerner-style FHIR order: a transaction with the Patient and the ServiceRequest."""
    patient = {
        "resourceType": "Patient",
        "identifier": [
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                    ]
                },
                "system": "urn:oid:2.16.840.1.113883.6.1000",
                "value": "H700321",
            }
        ],
        "name": [{"family": "NAKAMURA", "given": ["KENJI"]}],
        "gender": "male",
        "birthDate": "1958-03-14",
    }
    request = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://fhir.cerner.com/ceuuid", "value": "CE-55012399"}],
        "status": "active",
        "intent": "order",
        "priority": "routine",
        "code": {
            "coding": [
                {"system": "http://marrowscope.org/fhir/CodeSystem/procedure", "code": "BMEXAM"}
            ],
            "text": "Bone marrow examination",
        },
        "subject": {"reference": "urn:uuid:5a6b2f0e-1c3d-4e5f-8a9b-0c1d2e3f4a5b"},
        "authoredOn": "2026-03-02T09:15:00+00:00",
        "requester": {"display": "Dr Peter Jones"},
        "reasonCode": [{"coding": [{"code": "unexplained_cytosis"}], "text": "Leucocytosis"}],
    }
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:5a6b2f0e-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
                "resource": patient,
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
                "resource": request,
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
        ],
    }


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_a_fhir_order_comes_back_as_a_searchable_signed_diagnostic_report(
    site: tuple[Settings, UnitOfWorkFactory],
) -> None:
    settings, factory = site
    r4: R4Schema = load_r4_schema()
    ehr = _basic("ehr", EHR_PASSWORD)
    with TestClient(create_app(settings)) as client:
        posted = client.post(
            "/fhir", content=json.dumps(_bundle_order()),
            headers={**ehr, "Content-Type": "application/fhir+json"},
        )  # fmt: skip
        assert posted.status_code == 200, posted.text
        assert r4.errors(posted.json()) == []
        text = posted.json()["entry"][1]["response"]["outcome"]["issue"][0]["diagnostics"]
        case_id = int(re.search(r"case (\d+)", text).group(1))  # type: ignore[union-attr]
        with factory() as uow:
            patient_id = uow.cases.get(case_id).patient_id  # type: ignore[union-attr]
        before = client.get(f"/fhir/DiagnosticReport?patient={patient_id}", headers=ehr)

        _sign(factory, case_id)
        reports = client.get(f"/fhir/DiagnosticReport?patient=Patient/{patient_id}", headers=ehr)
        results = client.get(f"/fhir/Observation?patient={patient_id}", headers=ehr)
        person = client.get(f"/fhir/Patient/{patient_id}", headers=ehr)

    assert before.json()["total"] == 0  # nothing before the report is signed
    for answer in (reports, results, person):
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/fhir+json")
        assert r4.errors(answer.json()) == []
    [report] = [e["resource"] for e in reports.json()["entry"] if e["search"]["mode"] == "match"]
    assert report["resourceType"] == "DiagnosticReport" and report["status"] == "final"
    assert report["subject"] == {"reference": f"Patient/{patient_id}"}
    assert "myelodysplastic" in report["conclusion"]
    members = {e["resource"]["id"] for e in results.json()["entry"]}
    assert {r["reference"].removeprefix("Observation/") for r in report["result"]} <= members
    assert person.json()["id"] == str(patient_id)
    assert any(i.get("value") == "H700321" for i in person.json()["identifier"])
