"""An EHR's order opens its case on the ward that placed it (docs/access.md), on SQLite and
PostgreSQL: HL7 PV1-3.1 (Epic- and Cerner-style messages) and FHIR
``ServiceRequest.locationReference``, else the encounter's location, mapped through
``ehr_ward_map`` where the EHR's codes are not our unit names; a code that is already a
unit name is taken as it is; no location, or one that cannot be a unit, gives the
default ward. That ward then decides which clinicians see the case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from marrowscope.bootstrap import Settings, build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.errors import InvalidInput, OutOfScope
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.hl7v2 import InboundRules
from marrowscope.services import cases, interop
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from tests.db_support import database_url
from tests.integration.hl7_orders import epic, message, seg
from tests.integration.test_interop_orders import ORDER_CODE

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
WARD_MAP = "HAEMCLINIC=WARD 9, 4EAST = Ward 4 East"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    with database_url(request.param, tmp_path) as url:
        upgrade_database(url)
        engine = make_engine(url)
        settings = Settings(database_url=url, ehr_ward_map=WARD_MAP, default_ward="HAEM")
        yield build_uow_factory(engine, lambda: NOW, settings)
        engine.dispose()


def _ward_of_hl7(factory: UnitOfWorkFactory, text: str) -> str:
    with factory() as uow:
        result = interop.import_hl7_order(uow, text, rules=InboundRules(assigning_authority="HOSP"))
    assert result.accepted, result.error
    return _ward(factory, result.case_id)


def _ward(factory: UnitOfWorkFactory, case_id: int) -> str:
    with factory() as uow:
        case = uow.cases.get(case_id)
    assert case is not None
    return case.ward


# local code first, LOINC as the alternate identifier, as Cerner sends it
_SERVICE = "BMBX^Bone Marrow Biopsy^L^33721-2^Bone marrow Pathology biopsy report^LN"


def _cerner(pv1: str, mrn: str = "H500777") -> str:
    """Cerner-style ORM^O01 2.3.1 for a new inpatient, PV1 as Cerner fills it."""
    return message(
        "CR9001",
        "ORM^O01",
        "2.3.1",
        [
            f"PID|1|{mrn}|{mrn}^^^HOSP^MR||NAKAMURA^KENJI^T||19580311|M",
            pv1,
            seg("ORC", {1: "NW", 2: "55019999^HNAM_ORDERID", 7: "^^^^^R", 9: "20260302081000",
                        12: "77881^JONES^PETER^^^DR"}),
            seg("OBR", {1: "1", 2: "55019999^HNAM_ORDERID", 4: _SERVICE,
                        27: "^^^^^R", 31: "blasts_in_blood^Blasts in blood^L"}),
        ],
        sender="CERNER|HNAM",
        at="20260302081500",
    )  # fmt: skip


def test_an_epic_order_from_a_clinic_opens_its_case_on_the_mapped_ward(
    factory: UnitOfWorkFactory,
) -> None:
    """Epic's PV1-3 "HAEMCLINIC^^^STMARYS" is HAEMCLINIC, mapped to WARD 9; the clinician
    of WARD 9 opens the case, the one of HAEM (the default ward) is refused."""
    case_ward = _ward_of_hl7(factory, epic(placer="E5551"))
    with factory() as uow:
        [case] = [c for c in uow.cases.list() if c.ward == case_ward]
        seen = cases.get_case(
            uow, Actor("dr9", Role.CLINICIAN, units=frozenset({"WARD 9"})), case.id
        )
        with pytest.raises(OutOfScope):
            cases.get_case(uow, Actor("drh", Role.CLINICIAN, units=frozenset({"HAEM"})), case.id)

    assert case_ward == "WARD 9" and seen.id == case.id


@pytest.mark.parametrize(
    ("pv1", "ward"),
    [
        ("PV1|1|I|4EAST^4012^A^BMC||||1234^WELBY^MARCUS", "WARD 4 EAST"),  # mapped
        ("PV1|1|I|onc 2^12^B^BMC", "ONC 2"),  # our own unit name: taken as it is
        ("PV1|1|I|3W/ICU^1^A^BMC", "HAEM"),  # cannot be a unit name: the default ward
        ("PV1|1|O|^^^BMC", "HAEM"),  # no point of care: the default ward
    ],
)
def test_a_cerner_order_takes_pv1_3_as_its_ward(
    factory: UnitOfWorkFactory, pv1: str, ward: str
) -> None:
    assert _ward_of_hl7(factory, _cerner(pv1)) == ward


def _service_request(**over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.999.1", "value": "SR-77"}],
        "status": "active",
        "intent": "order",
        "code": {"coding": [ORDER_CODE]},
        "subject": {"reference": "urn:uuid:7b0c3a4e-8d7f-4a43-9a55-0d7f4a1c2b11"},
        "reasonCode": [{"coding": [{"code": "unexplained_cytosis"}]}],
    }
    out.update(over)
    return out


V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
_PATIENT = {
    "resourceType": "Patient",
    "identifier": [
        {
            "type": {"coding": [{"system": V2_0203, "code": "MR"}]},
            "value": "H600123",
        }
    ],
    "name": [{"family": "Lind", "given": ["Astrid"]}],
    "gender": "female",
    "birthDate": "1966-02-14",
}  # fmt: skip


def _fhir_ward(
    factory: UnitOfWorkFactory,
    request: dict[str, Any],
    *extra: dict[str, Any],
    mrn: str = "H600123",
) -> str:
    identifier = {"type": {"coding": [{"system": V2_0203, "code": "MR"}]}, "value": mrn}
    patient = {**_PATIENT, "identifier": [identifier]}
    entries = [
        {"fullUrl": "urn:uuid:7b0c3a4e-8d7f-4a43-9a55-0d7f4a1c2b11", "resource": patient},
        {"fullUrl": "urn:uuid:0e4d7a4a-3f55-4a57-8f1d-a5c2a1e0d9aa", "resource": request},
        *({"fullUrl": f"urn:uuid:{i:08d}-0000-4000-8000-000000000000", "resource": r}
          for i, r in enumerate(extra)),
    ]  # fmt: skip
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    with factory() as uow:
        result = interop.import_fhir_order(uow, json.dumps(bundle))
    assert result.accepted, result.error
    return _ward(factory, result.filed.case_id)


def test_a_service_request_takes_its_contained_location_by_identifier(
    factory: UnitOfWorkFactory,
) -> None:
    location = {"resourceType": "Location", "id": "loc1", "name": "Haematology day unit",
                "identifier": [{"system": "urn:oid:1.2.3", "value": "HAEMCLINIC"}]}  # fmt: skip
    request = _service_request(contained=[location], locationReference=[{"reference": "#loc1"}])

    assert _fhir_ward(factory, request) == "WARD 9"


def test_without_a_location_the_encounters_ward_is_the_cases(
    factory: UnitOfWorkFactory,
) -> None:
    """Epic on FHIR: the order points at its encounter, whose location (in the Bundle)
    is named, not identified; a logical reference is read by its identifier."""
    encounter = {"resourceType": "Encounter", "id": "enc1", "status": "in-progress",
                 "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                           "code": "IMP"},
                 "location": [{"location": {"reference": "Location/w4"}}]}  # fmt: skip
    ward4 = {"resourceType": "Location", "id": "w4", "name": "4EAST"}
    by_encounter = _service_request(encounter={"reference": "Encounter/enc1"})
    logical = _service_request(
        identifier=[{"system": "urn:oid:2.16.840.1.113883.3.999.1", "value": "SR-78"}],
        locationReference=[{"identifier": {"value": "Onc 2"}, "display": "Oncology ward"}],
    )

    assert _fhir_ward(factory, by_encounter, encounter, ward4) == "WARD 4 EAST"
    assert _fhir_ward(factory, logical, mrn="H600124") == "ONC 2"


def test_a_service_request_that_says_nowhere_goes_to_the_default_ward(
    factory: UnitOfWorkFactory,
) -> None:
    assert _fhir_ward(factory, _service_request()) == "HAEM"


def test_a_ward_map_that_is_not_code_equals_unit_is_refused_at_start() -> None:
    from marrowscope.domain.cases.access import parse_ward_map

    assert parse_ward_map(" 3w = Ward 3 West ,") == (("3W", "WARD 3 WEST"),)
    with pytest.raises(InvalidInput, match="ehr_ward_map"):
        parse_ward_map("3W:WARD 3")
    with pytest.raises(InvalidInput, match="units"):
        parse_ward_map("3W=WARD/3")
