"""The FHIR REST API's door: who gets in, how errors read, what the server says it does.

Only HTTP Basic as an account of the ``interface`` role opens it; a person's account
(even with its right password) and a browser session (any role, CSRF token or not)
never do, and every refusal reads the same. Every error is an OperationOutcome with a
4xx status and the FHIR media type, valid against the official R4 schema; nothing
answers 5xx. The round trip itself is in ``test_interop_round_trip.py``.
"""

from __future__ import annotations

import base64
import json
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
    prepare_demo,
)
from marrowscope.domain.interop.exchange import ExchangeStatus
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import interop
from marrowscope.services.accounts import DEMO_USERS, create_user
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.web.app import create_app
from marrowscope.web.interop import fhir_rest
from tests.db_support import WebDatabase
from tests.fhir_schema import R4Schema, load_r4_schema

EHR_PASSWORD = "fhir-rest-interface-1"
PASSWORDS = {u.username: u.password for u in DEMO_USERS}


@pytest.fixture(scope="module")
def site(web_database: WebDatabase) -> Iterator[tuple[Settings, DemoIds, UnitOfWorkFactory]]:
    settings = Settings(database_url=web_database("fhir_rest"))
    ids = prepare_demo(settings)
    engine = build_engine(settings)
    accounts = build_account_services(build_uow_factory(engine), settings)
    with accounts.uow_factory() as uow:
        create_user(
            uow, accounts.stores, Actor("admin", Role.ADMIN), username="epic-bridge",
            password=EHR_PASSWORD, role=Role.INTERFACE, display_name="Epic Bridges",
        )  # fmt: skip
    yield settings, ids, accounts.uow_factory
    engine.dispose()


@pytest.fixture(scope="module")
def web(site: tuple[Settings, DemoIds, UnitOfWorkFactory]) -> Iterator[tuple[TestClient, DemoIds]]:
    settings, ids, _ = site
    with TestClient(create_app(settings)) as client:
        yield client, ids


@pytest.fixture(scope="module")
def r4() -> R4Schema:
    return load_r4_schema()


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


EHR = _basic("epic-bridge", EHR_PASSWORD)


def _is_outcome(answer: Any, status: int, r4: R4Schema) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert r4.errors(answer.json()) == []


def test_the_capability_statement_lists_exactly_what_is_served(
    web: tuple[TestClient, DemoIds], r4: R4Schema
) -> None:
    client, _ = web

    answer = client.get("/fhir/metadata")

    statement = answer.json()
    assert answer.headers["content-type"].startswith("application/fhir+json")
    # the published 4.0.1 schema's FHIRVersion enum stops at 4.0.0, although the 4.0.1
    # specification's value set lists 4.0.1 (what R4 servers report): only that field is
    # checked apart, everything else by the schema
    assert statement["fhirVersion"] == "4.0.1"
    assert r4.errors({**statement, "fhirVersion": "4.0.0"}) == []
    rest = statement["rest"][0]
    served = {r["type"]: [i["code"] for i in r["interaction"]] for r in rest["resource"]}
    assert served == {
        "DiagnosticReport": ["search-type"],
        "Observation": ["search-type"],
        "Patient": ["read"],
        "ServiceRequest": ["create"],
    }
    assert [i["code"] for i in rest["interaction"]] == ["transaction"]
    routes = {
        ("GET", "/fhir/DiagnosticReport"), ("GET", "/fhir/Observation"),
        ("GET", "/fhir/Patient/{fhir_id}"), ("POST", "/fhir/ServiceRequest"),
        ("POST", "/fhir"), ("GET", "/fhir/metadata"),
    }  # fmt: skip
    mounted = {(m, r.path) for r in fhir_rest.router.routes for m in getattr(r, "methods", ())}
    assert mounted == routes  # nothing served that the statement does not list


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        (_basic("epic-bridge", "wrong-password"), 401),
        (_basic("nobody", "x"), 401),
        ({"Authorization": "Basic ***not-base64***"}, 401),
        ({"Authorization": "Bearer abc"}, 401),
        # a person's right password is refused like a wrong one: nothing about the account
        # is disclosed, and the person's own signature limit is not touched
        (_basic("pathologist", PASSWORDS["pathologist"]), 401),
        (_basic("admin", PASSWORDS["admin"]), 401),
    ],
)
def test_only_an_interface_account_gets_in(
    web: tuple[TestClient, DemoIds], r4: R4Schema, headers: dict[str, str], status: int
) -> None:
    client, ids = web
    client.cookies.clear()

    answer = client.get(f"/fhir/DiagnosticReport?patient={ids.patient_id}", headers=headers)

    _is_outcome(answer, status, r4)
    if status == 401:
        assert answer.headers["www-authenticate"].startswith("Basic")
        # nothing says whether the account exists
        assert "pathologist" not in answer.text and "nobody" not in answer.text


def test_a_refusal_does_not_say_whether_the_account_exists(
    web: tuple[TestClient, DemoIds], r4: R4Schema
) -> None:
    client, ids = web

    guessed = client.get(
        f"/fhir/Observation?patient={ids.patient_id}", headers=_basic("pathologist", "guess")
    )
    unknown = client.get(
        f"/fhir/Observation?patient={ids.patient_id}", headers=_basic("no-such-user", "guess")
    )

    _is_outcome(guessed, 401, r4)
    _is_outcome(unknown, 401, r4)
    assert guessed.json() == unknown.json()


def test_a_signed_in_browser_with_its_csrf_token_cannot_post_an_order(
    web: tuple[TestClient, DemoIds], r4: R4Schema
) -> None:
    client, _ = web
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post(
        "/login",
        data={"username": "clinician", "password": PASSWORDS["clinician"], "csrf_token": token},
    )
    csrf = client.get("/api/me").json()["csrf_token"]

    answer = client.post("/fhir/ServiceRequest", content="{}", headers={"X-CSRF-Token": csrf})

    _is_outcome(answer, 401, r4)
    client.cookies.clear()


def test_the_signed_demo_report_is_found_and_the_unsigned_case_is_not(
    web: tuple[TestClient, DemoIds], r4: R4Schema
) -> None:
    client, ids = web

    signed = client.get(f"/fhir/DiagnosticReport?patient={ids.patient_id}", headers=EHR)
    other = client.get(f"/fhir/DiagnosticReport?patient={ids.other_patient_id}", headers=EHR)

    assert r4.errors(signed.json()) == [] and r4.errors(other.json()) == []
    assert signed.json()["type"] == "searchset" and signed.json()["total"] >= 1
    matches = [e for e in signed.json()["entry"] if e["search"]["mode"] == "match"]
    assert {e["resource"]["status"] for e in matches} <= {"final", "amended", "corrected"}
    assert all(
        e["fullUrl"].endswith(f"/fhir/DiagnosticReport/{e['resource']['id']}") for e in matches
    )
    assert other.json()["total"] == 0


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/fhir/DiagnosticReport", 400),  # no patient
        ("/fhir/DiagnosticReport?patient=abc", 400),
        ("/fhir/Observation?patient=1&code=718-7", 400),  # a parameter not supported
        ("/fhir/DiagnosticReport?patient=99999999", 404),
        ("/fhir/Patient/99999999", 404),
        ("/fhir/Patient/not-a-number", 400),
        ("/fhir/Patient/99999999999999999999999", 400),
    ],
)
def test_bad_searches_are_answered_with_an_operation_outcome(
    web: tuple[TestClient, DemoIds], r4: R4Schema, path: str, status: int
) -> None:
    client, _ = web

    _is_outcome(client.get(path, headers=EHR), status, r4)


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/fhir/ServiceRequest", "not json", 422),
        ("/fhir/ServiceRequest", json.dumps({"resourceType": "ServiceRequest"}), 422),
        ("/fhir/ServiceRequest", "\udcff".encode("utf-8", "surrogatepass"), 400),
        ("/fhir", "[]", 400),
        ("/fhir", json.dumps({"resourceType": "Bundle", "type": "collection"}), 400),
        ("/fhir", json.dumps({"resourceType": "Patient"}), 400),
    ],
)
def test_a_refused_order_is_answered_4xx_with_an_operation_outcome(
    web: tuple[TestClient, DemoIds], r4: R4Schema, path: str, body: str | bytes, status: int
) -> None:
    client, _ = web

    answer = client.post(path, content=body, headers=EHR)

    _is_outcome(answer, status, r4)


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    web: tuple[TestClient, DemoIds], r4: R4Schema
) -> None:
    client, _ = web

    answer = client.post("/fhir/ServiceRequest", content="x" * 1_000_001, headers=EHR)

    _is_outcome(answer, 413, r4)


def _epic_service_request() -> dict[str, Any]:
    """Epic-style: the order's identifier in Epic's OID space, the patient contained."""
    return {
        "resourceType": "ServiceRequest",
        "contained": [
            {
                "resourceType": "Patient",
                "id": "pat",
                "identifier": [
                    {
                        "use": "usual",
                        "type": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                    "code": "MR",
                                }
                            ]
                        },
                        "system": "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14",
                        "value": "E7730021",
                    }
                ],
                "name": [{"family": "Lindqvist", "given": ["Astrid"]}],
                "gender": "female",
                "birthDate": "1949-08-02",
            }
        ],
        "identifier": [
            {"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.798268", "value": "E1047990"}
        ],
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "code": {
            "coding": [
                {"system": "http://marrowscope.org/fhir/CodeSystem/procedure", "code": "BMEXAM"}
            ]
        },
        "subject": {"reference": "#pat"},
        "authoredOn": "2026-03-02T07:25:00-05:00",
        "requester": {"display": "Dr Ann Smith"},
        "reasonCode": [{"coding": [{"code": "pancytopenia"}], "text": "Pancytopenia"}],
    }


def test_an_epic_style_service_request_is_filed_answered_201_and_logged(
    web: tuple[TestClient, DemoIds],
    site: tuple[Settings, DemoIds, UnitOfWorkFactory],
    r4: R4Schema,
) -> None:
    client, _ = web
    _, _, factory = site
    body = json.dumps(_epic_service_request())

    answer = client.post(
        "/fhir/ServiceRequest",
        content=body,
        headers={**EHR, "Content-Type": "application/fhir+json"},
    )
    again = client.post("/fhir/ServiceRequest", content=body, headers=EHR)

    assert answer.status_code == 201, answer.text
    assert r4.errors(answer.json()) == [] and answer.json()["issue"][0]["severity"] == "information"
    assert again.status_code == 201 and "already filed" in again.text  # the same order, once
    with factory() as uow:
        logged = [
            e
            for e in interop.message_log(uow, Actor("lab", Role.LAB_SCIENTIST))
            if e.transport == "fhir" and e.raw == body
        ]
        audit_user = uow.pathway.latest(logged[0].case_id or 0, RecordKind.ORDER)
    assert [e.status for e in logged] == [ExchangeStatus.ACCEPTED, ExchangeStatus.ACCEPTED]
    assert logged[0].peer == "testclient" and '"OperationOutcome"' in logged[0].answer
    assert audit_user is not None and audit_user.recorded_by == "epic-bridge"
