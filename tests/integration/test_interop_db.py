"""The demo case exchanged on a real database: FHIR out and back in, HL7 out, and
malformed HL7 answered with an AE ACK while the database stays as it was."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from marrowscope.bootstrap import build_account_services, build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.differential import compute_differential, demo_counts
from marrowscope.domain.errors import InvalidMessage, PermissionDenied
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.fhir import cbc_from_fhir, differential_from_fhir
from marrowscope.services import cases, counting, interop, reporting
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.services.walkthrough import seed_demo_case, seed_demo_report
from marrowscope.services.walkthrough.demo_report import DEMO_FIELDS
from tests.db_support import database_url

PATHOLOGIST = Actor("pat.hologist", Role.PATHOLOGIST)
CLINICIAN = Actor("cli.nician", Role.CLINICIAN)
COUNTER = Actor("mo.rph", Role.MORPHOLOGIST)
COUNTS = {"BLA": 40, "PMO": 20, "MYB": 40, "NGS": 150, "EBO": 130, "LYT": 80, "MON": 20,
          "BAS": 5, "PLM": 15}  # fmt: skip


class _Clock:
    def __call__(self) -> datetime:
        return datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    with database_url(request.param, tmp_path) as url:
        upgrade_database(url)
        engine = make_engine(url)
        yield build_uow_factory(engine, _Clock())
        engine.dispose()


@pytest.fixture
def demo(uow_factory: UnitOfWorkFactory) -> tuple[int, Any]:
    """The demo case with one saved 500-cell slide count."""
    seeded = seed_demo_case(uow_factory)
    stores = build_account_services(uow_factory).stores
    with uow_factory() as uow:
        slide = counting.open_slide(uow, stores, COUNTER, seeded.case_id, "Slide A")
        counting.finish_count(uow, stores, COUNTER, slide.id, 1, COUNTS)
    return seeded.case_id, stores


def _state(uow_factory: UnitOfWorkFactory, case_id: int) -> tuple[int, int]:
    with uow_factory() as uow:
        return len(uow.pathway.records(case_id)), len(uow.audit.for_case(case_id))


def test_the_exported_bundle_validates_and_holds_the_counted_differential(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any]
) -> None:
    case_id, stores = demo

    with uow_factory() as uow:
        bundle = interop.export_case_fhir(uow, PATHOLOGIST, case_id, stores=stores)

    Bundle.model_validate(json.loads(json.dumps(bundle)))
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Specimen") == 4 and "Procedure" in kinds and "ServiceRequest" in kinds
    expected = compute_differential(CellCounts.of(COUNTS))
    back = differential_from_fhir(bundle)
    assert back.percent == {r.code: round(r.percent, 2) for r in expected.rows}
    assert back.cells_counted == 500


def test_importing_the_exported_bundle_reproduces_the_same_observations(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any]
) -> None:
    case_id, stores = demo
    with uow_factory() as uow:
        bundle = interop.export_case_fhir(uow, PATHOLOGIST, case_id, stores=stores)
        before = uow.pathway.latest(case_id, RecordKind.CBC)

    with uow_factory() as uow:
        outcome = interop.import_fhir_cbc(uow, CLINICIAN, case_id, json.dumps(bundle))

    assert before is not None
    assert outcome.record.id != before.id
    assert outcome.record.payload["values"] == before.payload["values"]
    assert outcome.record.payload["collected_at"] == before.payload["collected_at"]
    with uow_factory() as uow:
        again = interop.export_case_fhir(uow, PATHOLOGIST, case_id, stores=stores)
    assert cbc_from_fhir(again).measurements == cbc_from_fhir(bundle).measurements


def test_a_bundle_for_another_patient_is_refused_and_nothing_is_written(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any]
) -> None:
    case_id, stores = demo
    with uow_factory() as uow:
        bundle = interop.export_case_fhir(uow, PATHOLOGIST, case_id, stores=stores)
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    patient["identifier"][0]["value"] = "SOMEONE-ELSE"
    before = _state(uow_factory, case_id)

    with uow_factory() as uow, pytest.raises(InvalidMessage, match="SOMEONE-ELSE"):
        interop.import_fhir_cbc(uow, CLINICIAN, case_id, bundle)

    assert _state(uow_factory, case_id) == before


def test_the_hl7_report_parses_back_with_hl7apy(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any]
) -> None:
    case_id, stores = demo

    with uow_factory() as uow:
        text = interop.export_case_hl7(uow, PATHOLOGIST, case_id, stores=stores)

    message = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    message.validate()
    obx = [s for s in text.split("\r") if s.startswith("OBX|")]
    assert "DEMO-0001" in text.split("\r")[1]
    assert any(s.split("|")[3].startswith("BLA^") and s.split("|")[5] == "8" for s in obx)
    assert any(s.startswith("OBX|") and "|TX|" in s and "consistent with" in s for s in obx)


def _oru(value: str, mrn: str = "DEMO-0001") -> str:
    return "\r".join(
        [
            "MSH|^~\\&|LIS|LAB|MARROWSCOPE|HAEM|20260302070000+0000||ORU^R01^ORU_R01|M42|P|2.5.1",
            f"PID|1||{mrn}^^^HOSP^MR||Demo^Daniel||19590314|M",
            "OBR|1||L42|58410-2^CBC panel^LN|||20260302064500+0000",
            "OBX|1|NM|718-7^Hemoglobin^LN||8.8|g/dL^g/dL^UCUM|||||F",
            f"OBX|2|NM|777-3^Platelets^LN||{value}|10*9/L^10*9/L^UCUM|||||F",
        ]
    )


def test_an_hl7_cbc_is_filed_on_the_patients_open_case_with_an_aa_ack(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any]
) -> None:
    case_id, _stores = demo

    with uow_factory() as uow:
        result = interop.import_hl7_cbc(uow, _oru("51"))

    assert result.accepted and result.case_id == case_id
    assert "MSA|AA|M42" in result.ack
    with uow_factory() as uow:
        latest = uow.pathway.latest(case_id, RecordKind.CBC)
    assert latest is not None and latest.payload["values"] == {"hb": 88.0, "platelets": 51.0}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (_oru("5I"), "AE"),  # letter I typed for the digit 1: no value is filed, not even Hb
        (_oru("9000"), "AE"),  # impossible platelet count
        (_oru("51", mrn="NOBODY"), "AE"),
        (_oru("51").replace("|2.5.1", "|2.3"), "AR"),
        ("garbage", "AR"),
    ],
)
def test_malformed_hl7_gets_an_error_ack_and_the_database_is_unchanged(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any], text: str, code: str
) -> None:
    case_id, _stores = demo
    before = _state(uow_factory, case_id)

    with uow_factory() as uow:
        result = interop.import_hl7_cbc(uow, text)

    assert not result.accepted
    assert f"MSA|{code}|" in result.ack and "\rERR|" in result.ack
    parse_message(result.ack, validation_level=VALIDATION_LEVEL.STRICT).validate()
    assert _state(uow_factory, case_id) == before


@pytest.mark.parametrize("role", [Role.PATIENT, Role.NURSE])
def test_only_staff_who_read_reports_may_export(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any], role: Role
) -> None:
    case_id, stores = demo

    with uow_factory() as uow, pytest.raises(PermissionDenied):
        interop.export_case_fhir(uow, Actor("someone", role), case_id, stores=stores)


def test_each_export_is_audited_with_its_format(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any]
) -> None:
    case_id, stores = demo

    with uow_factory() as uow:
        interop.export_case_fhir(uow, PATHOLOGIST, case_id, stores=stores)
        interop.export_case_hl7(uow, PATHOLOGIST, case_id, stores=stores)

    with uow_factory() as uow:
        views = [e for e in uow.audit.for_case(case_id) if e.action is AuditAction.VIEW]
    assert [(e.actor.username, e.changes["export"].new) for e in views[-2:]] == [
        (PATHOLOGIST.username, "fhir"),
        (PATHOLOGIST.username, "hl7v2"),
    ]


def test_an_hl7_cbc_aimed_at_another_patients_case_is_refused(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any]
) -> None:
    case_id, _stores = demo
    with uow_factory() as uow:
        other = uow.patients.by_mrn("DEMO-0002")
        assert other is not None
        other_case = cases.open_case(uow, CLINICIAN, other.id)
    before = _state(uow_factory, other_case.id)

    with uow_factory() as uow:
        result = interop.import_hl7_cbc(uow, _oru("51"), case_id=other_case.id)

    assert not result.accepted and "MSA|AE|M42|" in result.ack and "204^" in result.ack
    assert _state(uow_factory, other_case.id) == before


def test_a_signed_report_gives_the_conclusion_the_pdf_and_the_differential_signed_on(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any]
) -> None:
    """The demo report (services.walkthrough) is signed on the table's demo count, not on
    the later slide count of the fixture: the export follows what was signed."""
    case_id, stores = demo
    with uow_factory() as uow:
        seed_demo_report(uow)
        _canonical, signed_pdf = reporting.signed_documents(uow, PATHOLOGIST, case_id, 1)

    with uow_factory() as uow:
        bundle = interop.export_case_fhir(uow, PATHOLOGIST, case_id, stores=stores)
        text = interop.export_case_hl7(uow, PATHOLOGIST, case_id, stores=stores)

    report = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "DiagnosticReport"
    )
    assert report["status"] == "final"
    # the signed words first, then the signed WHO and ICC lines an EHR shows with them
    assert report["conclusion"] == (
        f"{DEMO_FIELDS['conclusion']} WHO 2022: {DEMO_FIELDS['who_2022']}. "
        f"ICC 2022: {DEMO_FIELDS['icc_2022']}."
    )
    assert base64.b64decode(report["presentedForm"][0]["data"]) == signed_pdf
    signed_on = compute_differential(demo_counts())
    back = differential_from_fhir(bundle)
    assert back.percent == {r.code: round(r.percent, 2) for r in signed_on.rows}
    ed = next(s for s in text.split("\r") if s.startswith("OBX|") and "|ED|" in s)
    assert base64.b64decode(ed.split("|")[5].split("^")[4]) == signed_pdf
    assert text.split("\r")[3].split("|")[25] == "F"  # OBR-25 result status: final


def test_the_hl7_report_carries_specimens_the_cbc_and_the_orderer(
    uow_factory: UnitOfWorkFactory, demo: tuple[int, Any]
) -> None:
    import hl7

    case_id, stores = demo
    with uow_factory() as uow:
        text = interop.export_case_hl7(uow, PATHOLOGIST, case_id, stores=stores, facility="HAEM")

    message = hl7.parse(text)
    assert len(message.segments("SPM")) == 4  # one per container of the demo case
    obrs = message.segments("OBR")
    assert [str(o[4][0][0]) for o in obrs] == ["47286-0", "58410-2"]
    assert str(obrs[0][16])  # OBR-16: who ordered the examination
    assert str(message.segment("MSH")[4]) == "HAEM"
