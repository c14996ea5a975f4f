"""Orders in and results out name the people and numbers the EHR knows, on SQLite and
PostgreSQL, for an Epic-style and a Cerner-style hospital.

In: a FHIR order's requester, a reference to a Practitioner (Epic: relative id) or to a
PractitionerRole naming one (Cerner: fullUrl), is kept as the person with name and the
identifier of the site's type; its ICD-10 reasons are kept as codes with their text.
Out: the DiagnosticReport is basedOn the ServiceRequest carrying the EHR's placer number
(PLAC) and ours (FILL), its requester a Practitioner with the NPI, its interpreter the
signer with their account's NPI, the Patient's MRN typed MR under the hospital's system
and authority, and the addendum in the conclusion. Every Bundle passes HL7's R4 schema;
the ORU^R01 of an HL7 order is read by python-hl7 and by hl7apy.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hl7
import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from marrowscope.bootstrap import build_account_services, build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.counting.differential import demo_counts
from marrowscope.domain.errors import InvalidInput, PermissionDenied
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.codes import ExportSite
from marrowscope.interop.fhir_order import read_service_request
from marrowscope.interop.hl7v2 import InboundRules
from marrowscope.services import accounts, interop, reporting
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.services.walkthrough.demo_report import DEMO_FIELDS
from tests.db_support import database_url
from tests.fhir_schema import R4Schema, load_r4_schema
from tests.integration.hl7_orders import epic

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
PATHOLOGIST = Actor("p.okoro", Role.PATHOLOGIST)
ADMIN = Actor("admin", Role.ADMIN)
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
NPI = "http://hl7.org/fhir/sid/us-npi"
EPIC_ORDERS = "urn:oid:1.2.840.114350.1.13.861.1.7.2.798268"
EPIC_MRN = "urn:oid:1.2.840.114350.1.13.861.1.7.5.737384.14"
SIGNER_NPI = "1234567893"  # the check-digit example of the CMS NPI standard
SITE = ExportSite(
    assigning_authority="STMARYS",
    mrn_system=EPIC_MRN,
    placer_system=EPIC_ORDERS,
    provider_id_type="NPI",
)
ORDER_CODE = {"system": "http://marrowscope.org/fhir/CodeSystem/procedure", "code": "BMEXAM"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[UnitOfWorkFactory, Any]]:
    """An empty database with a pathologist account that holds an NPI."""
    with database_url(request.param, tmp_path) as url:
        upgrade_database(url)
        engine = make_engine(url)
        factory = build_uow_factory(engine, lambda: NOW)
        stores = build_account_services(factory).stores
        with factory() as uow:
            user = accounts.create_user(
                uow, stores, None, username=PATHOLOGIST.username,
                password="Quokka-lantern-marrow-71", role=Role.PATHOLOGIST,
                display_name="Dr Precious Okoro",
            )  # fmt: skip
            accounts.set_provider_id(uow, stores, ADMIN, user.id, identifier=SIGNER_NPI)
        yield factory, stores
        engine.dispose()


@pytest.fixture(scope="module")
def r4() -> R4Schema:
    return load_r4_schema()


def _patient(ident: dict[str, Any], family: str, given: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": "pat-1",
        "identifier": [ident],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": "female",
        "birthDate": "1968-04-09",
    }


def epic_bundle() -> dict[str, Any]:
    """Epic style: placer typed PLAC under the site's OID, requester ``Practitioner/<id>``
    with an NPI and an internal SER number, two ICD-10-CM reasons: one the indication
    table maps, one it leaves to the text."""
    request = {
        "resourceType": "ServiceRequest",
        "identifier": [
            {"type": {"coding": [{"system": V2_0203, "code": "PLAC"}]}, "system": EPIC_ORDERS,
             "value": "E1047283"},
            {"system": "urn:oid:1.2.840.114350.1.13.861.1.7.3.798268.800", "value": "9921"},
        ],
        "status": "active",
        "intent": "order",
        "priority": "stat",
        "code": {"coding": [ORDER_CODE], "text": "Bone marrow aspirate and biopsy"},
        "subject": {"reference": "Patient/pat-1"},
        "authoredOn": "2026-03-02T08:05:00-05:00",
        "requester": {"reference": "Practitioner/pr-778", "display": "Ann Smith, MD"},
        "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                                    "code": "D61.818", "display": "Other pancytopenia"}]},
                      {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                                   "code": "D69.6"}],
                       "text": "Thrombocytopenia, unspecified"}],
    }  # fmt: skip
    practitioner = {
        "resourceType": "Practitioner",
        "id": "pr-778",
        "identifier": [
            {"system": "urn:oid:1.2.840.114350.1.13.861.1.7.5.737384.17", "value": "SER778"},
            {"system": NPI, "value": "1245319599"},
        ],
        "name": [{"use": "official", "family": "Smith", "given": ["Ann"], "prefix": ["Dr"]}],
    }
    mrn = {"use": "usual", "type": {"coding": [{"system": V2_0203, "code": "MR"}]},
           "system": EPIC_MRN, "value": "E300451"}  # fmt: skip
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "https://fhir.stmarys.example/api/FHIR/R4/Patient/pat-1",
             "resource": _patient(mrn, "Okafor", "Grace")},
            {"fullUrl": "https://fhir.stmarys.example/api/FHIR/R4/ServiceRequest/sr-1",
             "resource": request},
            {"fullUrl": "https://fhir.stmarys.example/api/FHIR/R4/Practitioner/pr-778",
             "resource": practitioner},
        ],
    }  # fmt: skip


def cerner_bundle() -> dict[str, Any]:
    """Cerner style: requester a PractitionerRole by ``urn:uuid`` fullUrl that names the
    Practitioner, whose PRSNL id comes before the NPI; ICD-10-CM C92.00 with text only."""
    role, person = "urn:uuid:5d0a55f1-3c7e-4e0e-9a7d-1c7c2f2b7a10", "Practitioner/12742069"
    request = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://fhir.cerner.example/ORDERID", "value": "55012345"}],
        "status": "active",
        "intent": "order",
        "priority": "routine",
        "code": {"coding": [ORDER_CODE]},
        "subject": {"reference": "Patient/pat-1"},
        "authoredOn": "2026-03-02T09:10:00+00:00",
        "requester": {"reference": role},
        "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                                    "code": "C92.00"}],
                        "text": "AML not in remission"}],
    }  # fmt: skip
    mrn = {"type": {"coding": [{"system": V2_0203, "code": "MR"}]}, "value": "C700812",
           "assigner": {"display": "HNAM"}}  # fmt: skip
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:0b7c5e36-1f1d-4c53-8a42-6f5e8d7c9a01",
             "resource": _patient(mrn, "GARCIA", "MARIA")},
            {"fullUrl": "urn:uuid:2a9e4b71-7d2c-4e1b-b3f4-1e2d3c4b5a60", "resource": request},
            {"fullUrl": role, "resource": {"resourceType": "PractitionerRole",
                                           "practitioner": {"reference": person}}},
            {"fullUrl": "https://fhir.cerner.example/r4/Practitioner/12742069",
             "resource": {"resourceType": "Practitioner", "id": "12742069",
                          "identifier": [
                              {"type": {"coding": [{"system": V2_0203, "code": "PRN"}]},
                               "system": "https://fhir.cerner.example/PRSNL", "value": "77881"},
                              {"type": {"coding": [{"system": V2_0203, "code": "NPI"}]},
                               "system": NPI, "value": "1003000126"}],
                          "name": [{"family": "JONES", "given": ["PETER"],
                                    "prefix": ["DR"]}]}},
        ],
    }  # fmt: skip


def _file(factory: UnitOfWorkFactory, bundle: dict[str, Any], id_type: str = "NPI") -> int:
    with factory() as uow:
        result = interop.import_fhir_order(uow, bundle, provider_id_type=id_type)
    assert result.accepted, result.error
    return int(result.filed.case_id)


def _order(factory: UnitOfWorkFactory, case_id: int) -> dict[str, Any]:
    with factory() as uow:
        stored = uow.pathway.latest(case_id, RecordKind.ORDER)
    assert stored is not None
    return dict(stored.payload)


def _sign(factory: UnitOfWorkFactory, case_id: int, addendum: str = "") -> None:
    with factory() as uow:
        reporting.save_draft(uow, PATHOLOGIST, case_id, DEMO_FIELDS, counts=demo_counts().as_dict())
        reporting.sign_report(
            uow, PATHOLOGIST, case_id, confirm_warnings=True, signer_name="Dr Precious Okoro"
        )
    if addendum:
        with factory() as uow:
            reporting.addend_report(uow, PATHOLOGIST, case_id, addendum, reason="IHC")


def _resource(bundle: dict[str, Any], reference: str) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["fullUrl"] == reference)


def _of_type(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind)


@pytest.mark.parametrize(
    ("bundle", "placer", "orderer", "diagnosis"),
    [
        (epic_bundle(), ("E1047283", EPIC_ORDERS),
         {"identifier": "1245319599", "family_name": "Smith", "given_name": "Ann",
          "prefix": "Dr", "id_type": "NPI", "authority": "NPI"},
         [("D61.818", "Other pancytopenia", ""),
          ("D69.6", "Thrombocytopenia, unspecified", "unexplained_cytopenia")]),
        (cerner_bundle(), ("55012345", "https://fhir.cerner.example/ORDERID"),
         {"identifier": "1003000126", "family_name": "JONES", "given_name": "PETER",
          "prefix": "DR", "id_type": "NPI", "authority": "NPI"},
         [("C92.00", "AML not in remission", "")]),
    ],
    ids=["epic", "cerner"],
)  # fmt: skip
def test_a_fhir_order_keeps_its_placer_number_provider_and_icd10_codes(
    db: tuple[UnitOfWorkFactory, Any],
    bundle: dict[str, Any],
    placer: tuple[str, str],
    orderer: dict[str, str],
    diagnosis: list[tuple[str, str, str]],
) -> None:
    """Before: a referenced Practitioner was dropped and the order filed as ordered by
    the interface account; the reason's ICD-10 code was read as text."""
    factory, _stores = db

    payload = _order(factory, _file(factory, bundle))

    origin = payload["origin"]
    assert (origin["placer_number"], origin["placer_namespace"]) == placer
    assert origin["orderer"] == orderer
    assert [(d["code"], d["text"], d["indication"]) for d in origin["diagnoses"]] == diagnosis
    assert payload["ordered_by"].endswith(f"({orderer['identifier']})")


def test_without_the_site_type_the_first_identifier_is_taken(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    """The site's type decides: without one, Cerner's PRSNL number (sent first) is kept."""
    factory, _stores = db

    origin = _order(factory, _file(factory, cerner_bundle(), id_type=""))["origin"]

    assert (origin["orderer"]["identifier"], origin["orderer"]["id_type"]) == ("77881", "PRN")


def test_a_requester_not_in_the_bundle_is_kept_by_its_display(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, _stores = db
    bundle = epic_bundle()
    bundle["entry"] = bundle["entry"][:2]

    payload = _order(factory, _file(factory, bundle))

    assert payload["ordered_by"] == "Ann Smith, MD"
    assert payload["origin"]["orderer"] is None


def test_the_signed_result_names_the_ehr_order_provider_patient_and_signer(
    db: tuple[UnitOfWorkFactory, Any], r4: R4Schema
) -> None:
    factory, stores = db
    case_id = _file(factory, epic_bundle())
    _sign(factory, case_id, addendum="CD34 immunostain: 9% blasts.")

    with factory() as uow:
        bundle = interop.export_case_fhir(uow, PATHOLOGIST, case_id, stores=stores, site=SITE)

    assert r4.errors(bundle) == []
    report = _of_type(bundle, "DiagnosticReport")
    request = _resource(bundle, report["basedOn"][0]["reference"])
    idents = {i["type"]["coding"][0]["code"]: i for i in request["identifier"]}
    assert (idents["PLAC"]["system"], idents["PLAC"]["value"]) == (EPIC_ORDERS, "E1047283")
    assert idents["FILL"]["value"] == str(case_id)
    orderer = _resource(bundle, request["requester"]["reference"])
    ((npi,),) = [orderer["identifier"]]
    assert (npi["system"], npi["value"], npi["type"]["coding"][0]["code"]) == (
        NPI, "1245319599", "NPI",
    )  # fmt: skip
    assert orderer["name"][0]["family"] == "Smith"
    assert {c["coding"][0]["code"] for c in request["reasonCode"]} >= {"D61.818"}
    signer = _resource(bundle, report["resultsInterpreter"][0]["reference"])
    assert signer["name"] == [{"text": "Dr Precious Okoro"}]
    assert {"system": NPI, "value": SIGNER_NPI} in [
        {k: i[k] for k in ("system", "value") if k in i} for i in signer["identifier"]
    ]
    (mrn,) = _of_type(bundle, "Patient")["identifier"]
    assert (mrn["system"], mrn["value"], mrn["assigner"]) == (
        EPIC_MRN, "E300451", {"display": "STMARYS"},
    )  # fmt: skip
    assert mrn["type"]["coding"][0]["code"] == "MR"
    assert report["status"] == "appended"
    assert report["conclusion"].endswith("Addendum: CD34 immunostain: 9% blasts.")
    text = next(f for f in report["presentedForm"] if f["contentType"].startswith("text/plain"))
    assert base64.b64decode(text["data"]).decode() == "CD34 immunostain: 9% blasts."


def test_our_export_reads_back_with_the_ehr_placer_number_and_provider(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    """A partner installation filing our export finds the EHR's number and person again."""
    factory, stores = db
    case_id = _file(factory, epic_bundle())
    with factory() as uow:
        bundle = interop.export_case_fhir(uow, PATHOLOGIST, case_id, stores=stores, site=SITE)

    back = read_service_request(bundle, provider_id_type="NPI")

    assert (back.placer_order, back.origin.placer_namespace) == ("E1047283", EPIC_ORDERS)
    assert back.origin is not None and back.origin.orderer is not None
    assert back.origin.orderer.identifier == "1245319599"
    assert back.patient_mrn == "E300451"


def test_the_oru_of_an_hl7_order_names_the_mrn_authority_signer_and_addendum(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, stores = db
    with factory() as uow:
        placed = interop.import_hl7_order(
            uow, epic(placer="E1047283"), rules=InboundRules(provider_id_type="NPI")
        )
    case_id = int(placed.case_id or 0)
    # signed through the API with no name given: the account's name is the signer's
    _sign(factory, case_id, addendum="CD34 immunostain: 9% blasts | see PDF.")

    with factory() as uow:
        text = interop.export_case_hl7(uow, PATHOLOGIST, case_id, stores=stores, site=SITE)

    message = hl7.parse(text)
    assert str(message.segment("PID")[3]) == "H300123^^^STMARYS^MR"
    cnn = str(message.segment("OBR")[32]).split("&")
    assert (cnn[0], cnn[1], cnn[8]) == (SIGNER_NPI, "Dr Precious Okoro", "NPI")
    obx = {str(s[3]).split("^")[0]: str(s[5]) for s in message.segments("OBX")}
    assert obx["addendum"] == "CD34 immunostain: 9% blasts \\F\\ see PDF."
    # hl7apy holds OBX-5 to 199 characters whatever its type: the PDF's ED is left out
    no_pdf = "\r".join(s for s in text.split("\r") if "^Base64^" not in s)
    strict = parse_message(no_pdf, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    strict.validate()
    obr = strict.ORU_R01_PATIENT_RESULT.ORU_R01_ORDER_OBSERVATION[0].OBR
    assert obr.obr_32.obr_32_1.to_er7() == f"{SIGNER_NPI}&Dr Precious Okoro&&&&&&&NPI"


def test_an_npi_with_a_wrong_check_digit_or_set_by_a_non_admin_is_refused(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, stores = db
    with factory() as uow:
        user_id = uow.bind(stores.users).by_username(PATHOLOGIST.username)[0].id

    with factory() as uow, pytest.raises(InvalidInput, match="not an NPI"):
        accounts.set_provider_id(uow, stores, ADMIN, user_id, identifier="1234567890",
                                 id_type="NPI")  # fmt: skip
    with factory() as uow, pytest.raises(PermissionDenied):
        accounts.set_provider_id(uow, stores, PATHOLOGIST, user_id, identifier=SIGNER_NPI)
    with factory() as uow:
        kept = uow.bind(stores.users).get(user_id)

    assert kept is not None
    assert (kept.provider_id, kept.provider_id_type) == (SIGNER_NPI, "")
