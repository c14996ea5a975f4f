"""Orders in from the hospital (``hl7_orders.CASES``, and FHIR ServiceRequests), on SQLite
and PostgreSQL.

Each HL7 order gets its ACK (read with python-hl7, not our writer: MSH-9 ACK^<trigger>,
MSA-1, MSA-2 = the order's MSH-10, ERR-3), and files exactly the patient, case and order
it should, audited under the interface account like an order placed in the app; a
refused one leaves every table as it was. The same order twice is stored once; the same
order number in a new message is refused. A ServiceRequest is answered with an
OperationOutcome that passes the R4 JSON schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import hl7
import pytest
import sqlalchemy as sa

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.hl7v2 import InboundRules
from marrowscope.services import cases, interop, pathway
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from tests.db_support import database_url
from tests.fhir_schema import R4Schema, load_r4_schema
from tests.integration.hl7_orders import CASES, OrderCase, epic

CLINICIAN = Actor("cli.nician", Role.CLINICIAN)
NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
TABLES = ["patient", "exam_case", "clinical_record", "audit_log", "interop_message"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[UnitOfWorkFactory, Any]]:
    """Garcia with an open case and no order; O'Brien with an open case that has one."""
    with database_url(request.param, tmp_path) as url:
        upgrade_database(url)
        engine = make_engine(url)
        factory = build_uow_factory(engine, lambda: NOW)
        with factory() as uow:
            garcia = cases.register_patient(
                uow, CLINICIAN, mrn="H200001", family_name="Garcia", given_name="Maria",
                birth_date=date(1962, 7, 4), sex=Sex.FEMALE,
            )  # fmt: skip
            cases.open_case(uow, CLINICIAN, garcia.id)
            obrien = cases.register_patient(
                uow, CLINICIAN, mrn="H200002", family_name="O'Brien", given_name="John",
                birth_date=date(1948, 11, 30), sex=Sex.MALE,
            )  # fmt: skip
            case = cases.open_case(uow, CLINICIAN, obrien.id)
            pathway.place_order(
                uow, CLINICIAN, case.id, indications=["lymphoma_staging"], clinical_details=""
            )
        yield factory, engine
        engine.dispose()


def _counts(engine: Any) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _hl7(factory: UnitOfWorkFactory, text: str, **rules: str) -> Any:
    with factory() as uow:
        return interop.import_hl7_order(uow, text, rules=InboundRules(**rules))


def _orders(factory: UnitOfWorkFactory, mrn: str) -> list[tuple[int, dict[str, Any]]]:
    """(case id, order payload) of every current order of the patient, oldest case first."""
    with factory() as uow:
        patient = uow.patients.by_mrn(mrn)
        if patient is None:
            return []
        out = []
        for case in sorted(uow.cases.for_patient(patient.id), key=lambda c: c.id):
            order = uow.pathway.latest(case.id, RecordKind.ORDER)
            if order is not None:
                out.append((case.id, dict(order.payload)))
        return out


def _ack(text: str) -> tuple[str, str, str, str]:
    """MSH-9, MSA-1, MSA-2 and the HL7 error code (ERR-3.1; ERR-1.4.1 before v2.5) as
    python-hl7 reads them."""
    parsed = hl7.parse(text)
    msa = parsed.segment("MSA")
    errs = parsed.segments("ERR") if "\rERR|" in text else []
    code = ""
    if errs:
        err = str(errs[0]).split("|")
        code = err[3].split("^")[0] if len(err) > 3 else err[1].split("^")[3].split("&")[0]
    return (str(parsed.segment("MSH")[9]), str(msa[1]), str(msa[2]), code)


def _answer_type(message: str, ack: str) -> str:
    """An order read as one is answered ORR^O02 / ORL^O22; one not read, with the ACK."""
    kind, trigger = message.split("|")[8].split("^")[:2]
    if ack == "AR":
        return f"ACK^{trigger}^ACK"
    name, event = {"ORM": ("ORR", "O02"), "OML": ("ORL", "O22")}[kind]
    version = message.split("\r")[0].split("|")[11]
    return f"{name}^{event}" + ("" if version == "2.3" else f"^{name}_{event}")


def test_the_suite_is_varied() -> None:
    kinds = {c.message.split("|")[8].split("^")[0] for c in CASES}
    versions = {c.message.split("\r")[0].split("|")[11] for c in CASES}

    assert len(CASES) >= 8 and {"OML", "ORM"} <= kinds
    assert {"2.3", "2.3.1", "2.4", "2.5", "2.5.1"} <= versions
    assert {c.ack for c in CASES} == {"AA", "AE", "AR"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_order_gets_its_ack_and_files_exactly_what_was_sent(
    db: tuple[UnitOfWorkFactory, Any], case: OrderCase
) -> None:
    factory, engine = db
    before = _counts(engine)
    orders_before = _orders(factory, case.mrn)

    result = _hl7(factory, case.message, **case.rules)

    control = case.message.split("|")[9]
    expected = (_answer_type(case.message, case.ack), case.ack, control, case.err)
    assert _ack(result.ack) == expected, result.error
    after = _counts(engine)
    if case.order is None:
        assert not result.accepted
        assert after == before
        assert _orders(factory, case.mrn) == orders_before
        return
    assert result.accepted
    orders = _orders(factory, case.mrn)
    assert len(orders) == len(orders_before) + 1
    case_id, payload = orders[-1]
    assert case_id == result.case_id
    assert payload["indications"] == case.order["indications"]
    assert payload["urgency"] == case.order["urgency"]
    assert datetime.fromisoformat(payload["ordered_at"]) == case.order["ordered_at"]
    assert payload["ordered_by"] == case.order["ordered_by"]
    for text in case.order["details"]:
        assert text in payload["clinical_details"]
    assert after["patient"] - before["patient"] == int(case.registered)
    assert after["exam_case"] - before["exam_case"] == int(case.new_case)
    assert after["interop_message"] - before["interop_message"] == 1
    with factory() as uow:
        created = [
            e
            for e in uow.audit.for_case(case_id)
            if e.action is AuditAction.CREATE and e.actor.username == "hl7-interface"
        ]
    assert created, "the order is audited under the interface account"


def test_the_same_message_twice_is_acknowledged_twice_and_stored_once(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, engine = db
    first = _hl7(factory, epic())
    counts = _counts(engine)

    again = _hl7(factory, epic())

    assert first.accepted and again.accepted and again.duplicate
    assert again.case_id == first.case_id
    assert _ack(again.ack)[1:3] == ("AA", "EP100001")
    assert _counts(engine) == counts
    assert len(_orders(factory, "H300123")) == 1


def test_the_same_order_number_in_a_new_message_is_refused(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, engine = db
    _hl7(factory, epic())
    counts = _counts(engine)

    result = _hl7(factory, epic(control="EP100002"))

    assert _ack(result.ack)[1:] == ("AE", "EP100002", "205")
    assert _counts(engine) == counts


def test_an_order_is_never_taken_for_a_result_of_the_same_number(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    """Orders and results share the message log; an ORU for order number LS977 must not
    'correct' the order LS977 (the log keys them apart)."""
    factory, _engine = db
    from tests.integration.hl7_orders import lis

    _hl7(factory, lis())
    oru = (
        "MSH|^~\\&|LABSYS|CITYLAB|MARROWSCOPE|HAEM|20260302120000+0000||ORU^R01|R1|P|2.5.1\r"
        "PID|1||H200002^^^HOSP^MR||O'Brien^John||19481130|M\r"
        "OBR|1|LS977|LS977|58410-2^CBC panel - Blood by Automated count^LN|||"
        "20260302110000+0000" + "|" * 18 + "F\r"
        "OBX|1|NM|718-7^Hemoglobin^LN||9.1|g/dL|||||F\r"
    )
    with factory() as uow:
        result = interop.import_hl7_cbc(uow, oru)

    assert result.accepted, result.error
    orders = _orders(factory, "H200002")
    assert orders[-1][1]["indications"] == ["paraprotein", "treatment_monitoring"]


# --- FHIR ServiceRequest -----------------------------------------------------------------

MRN_SYSTEM = "http://marrowscope.org/fhir/NamingSystem/mrn"
ORDER_CODE = {"system": "http://marrowscope.org/fhir/CodeSystem/procedure", "code": "BMEXAM"}


def _request(number: str = "SR-1", **over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.999.1", "value": number}],
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "code": {"coding": [ORDER_CODE], "text": "Bone marrow examination"},
        "subject": {"reference": "urn:uuid:7b0c3a4e-8d7f-4a43-9a55-0d7f4a1c2b11"},
        "authoredOn": "2026-03-02T09:15:00+01:00",
        "requester": {"display": "Dr Lena Vogel"},
        "reasonCode": [{"coding": [{"code": "unexplained_cytosis"}], "text": "Leucocytosis"}],
        "note": [{"text": "WBC 48 x10^9/L, basophilia"}],
    }
    out.update(over)
    return out


def _bundle(patient: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:7b0c3a4e-8d7f-4a43-9a55-0d7f4a1c2b11", "resource": patient},
            {"fullUrl": "urn:uuid:0e4d7a4a-3f55-4a57-8f1d-a5c2a1e0d9aa", "resource": request},
        ],
    }


def _patient(mrn: str = "H400001", birth: str = "1955-01-20", **over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                    ]
                },
                "value": mrn,
            }
        ],
        "name": [{"family": "Vogel", "given": ["Karl"]}],
        "gender": "male",
        "birthDate": birth,
    }
    out.update(over)
    return out


def _fhir(factory: UnitOfWorkFactory, data: Any) -> Any:
    with factory() as uow:
        return interop.import_fhir_order(uow, json.dumps(data))


@pytest.fixture(scope="module")
def r4() -> R4Schema:
    return load_r4_schema()


def test_a_service_request_with_a_new_patient_is_filed_and_answered(
    db: tuple[UnitOfWorkFactory, Any], r4: R4Schema
) -> None:
    factory, engine = db
    before = _counts(engine)

    result = _fhir(factory, _bundle(_patient(), _request()))

    assert result.accepted, result.error
    assert r4.errors(result.outcome) == []
    assert result.outcome["issue"][0]["severity"] == "information"
    ((case_id, payload),) = _orders(factory, "H400001")
    assert case_id == result.filed.case_id and result.filed.patient_registered
    assert payload["indications"] == ["unexplained_cytosis"]
    assert payload["urgency"] == "urgent"
    assert payload["ordered_by"] == "Dr Lena Vogel"
    assert datetime.fromisoformat(payload["ordered_at"]) == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
    assert "basophilia" in payload["clinical_details"]
    after = _counts(engine)
    assert (after["patient"] - before["patient"], after["exam_case"] - before["exam_case"]) == (
        1,
        1,
    )


def test_a_service_request_by_mrn_alone_files_on_the_registered_patient(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, _engine = db
    request = _request(subject={"identifier": {"system": MRN_SYSTEM, "value": "H200001"}})

    result = _fhir(factory, request)

    assert result.accepted, result.error
    assert [c for c, _ in _orders(factory, "H200001")] == [result.filed.case_id]


@pytest.mark.parametrize(
    ("data", "issue"),
    [
        (_bundle(_patient("H200001", "1962-07-04"), _request()), "business-rule"),  # Vogel
        (_bundle(_patient(), _request(code={"text": "MRI spine"})), "code-invalid"),
        (_bundle(_patient(), _request(reasonCode=None)), "required"),
        (_bundle(_patient(), _request(status="draft")), "code-invalid"),
        (_bundle(_patient(birthDate=None), _request()), "required"),
        ({"resourceType": "ServiceRequest", "status": "active"}, "invalid"),
    ],
    ids=["identity-mismatch", "unknown-code", "no-reason", "draft", "new-without-birth", "invalid"],
)
def test_a_refused_service_request_writes_nothing_and_says_why(
    db: tuple[UnitOfWorkFactory, Any], r4: R4Schema, data: dict[str, Any], issue: str
) -> None:
    factory, engine = db
    before = _counts(engine)

    result = _fhir(factory, {k: v for k, v in data.items() if v is not None})

    assert not result.accepted
    assert result.outcome["issue"][0]["severity"] == "error"
    assert result.outcome["issue"][0]["code"] == issue, result.error
    assert r4.errors(result.outcome) == []
    assert _counts(engine) == before


def test_the_same_service_request_twice_is_stored_once(db: tuple[UnitOfWorkFactory, Any]) -> None:
    factory, engine = db
    first = _fhir(factory, _bundle(_patient(), _request()))
    counts = _counts(engine)

    again = _fhir(factory, _bundle(_patient(), _request()))

    assert first.accepted and again.accepted and again.filed.duplicate
    assert _counts(engine) == counts


def test_our_own_exported_order_reads_back_as_an_order(db: tuple[UnitOfWorkFactory, Any]) -> None:
    """The ServiceRequest of an exported Bundle carries the catalogue's order code, so a
    partner installation can file it. Read back here, for O'Brien, it is read as the
    same order again on the same day, and refused as such, naming the case that has it."""
    factory, _engine = db
    case_id = _orders(factory, "H200002")[0][0]
    with factory() as uow:
        bundle = interop.export_case_fhir(uow, Actor("pat", Role.PATHOLOGIST), case_id)

    result = _fhir(factory, bundle)

    assert not result.accepted
    assert "staging of lymphoma" in str(result.error)  # the indication was read back
    assert f"already ordered on case {case_id}" in str(result.error)
    assert [p["indications"] for _, p in _orders(factory, "H200002")] == [["lymphoma_staging"]]
