"""An order from the hospital's system names its tests through its order code where the
catalogue maps that code, and otherwise takes the indication's local defaults and says
so (HL7 OBR-4, FHIR ServiceRequest.code)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.pathway.order_set import default_items, items_for_service
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.interop.hl7v2 import InboundRules
from marrowscope.services import interop
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from tests.integration.hl7_orders import epic

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PROCEDURE = "http://marrowscope.org/fhir/CodeSystem/procedure"


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    yield build_uow_factory(engine, lambda: NOW)
    engine.dispose()


def _order_of(factory: UnitOfWorkFactory, mrn: str) -> dict[str, Any]:
    with factory() as uow:
        patient = uow.patients.by_mrn(mrn)
        assert patient is not None
        [case] = uow.cases.for_patient(patient.id)
        order = uow.pathway.latest(case.id, RecordKind.ORDER)
        assert order is not None
        return dict(order.payload)


def _service_request(code: str) -> dict[str, Any]:
    patient = {
        "resourceType": "Patient",
        "identifier": [
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                    ]
                },
                "value": f"MRD-{code}",
            }
        ],
        "name": [{"family": "Remission", "given": ["Rosa"]}],
        "gender": "female",
        "birthDate": "1971-04-09",
    }
    request = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.999.1", "value": f"SR-{code}"}],
        "status": "active",
        "intent": "order",
        "code": {"coding": [{"system": PROCEDURE, "code": code}]},
        "subject": {"reference": "urn:uuid:7b0c3a4e-8d7f-4a43-9a55-0d7f4a1c2b11"},
        "authoredOn": "2026-03-02T09:15:00+00:00",
        "reasonCode": [{"coding": [{"code": "treatment_monitoring"}]}],
    }
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:7b0c3a4e-8d7f-4a43-9a55-0d7f4a1c2b11", "resource": patient},
            {"fullUrl": "urn:uuid:0e4d7a4a-3f55-4a57-8f1d-a5c2a1e0d9aa", "resource": request},
        ],
    }


@pytest.mark.parametrize("code", ["BMMRD", "BMEXAM"])
def test_a_service_request_orders_what_its_code_maps_to_else_the_defaults(
    factory: UnitOfWorkFactory, code: str
) -> None:
    with factory() as uow:
        result = interop.import_fhir_order(uow, json.dumps(_service_request(code)))

    assert result.accepted, result.error
    payload = _order_of(factory, f"MRD-{code}")
    mapped = items_for_service(code)
    if mapped is not None:
        assert payload["tests"] == [i.value for i in mapped]
        assert payload["tests_basis"] == f"mapped from the order code {code}"
    else:
        assert payload["tests"] == [i.value for i in default_items(["treatment_monitoring"])]
        assert f"the order code {code} names no test set" in payload["tests_basis"]


def test_an_hl7_order_for_mrd_asks_for_the_mrd_tests(factory: UnitOfWorkFactory) -> None:
    text = epic(obr4="BMMRD^Bone marrow MRD^L")

    with factory() as uow:
        result = interop.import_hl7_order(uow, text, rules=InboundRules())

    assert result.accepted, result.error
    with factory() as uow:
        [patient] = uow.patients.search("")
    payload = _order_of(factory, patient.mrn)
    assert payload["tests"] == [i.value for i in items_for_service("BMMRD") or ()]
    assert "mrd" in payload["tests"] and "BMMRD" in payload["tests_basis"]
