"""Every Bundle the project exports passes HL7's official FHIR R4 JSON schema.

``fhir.resources`` builds and checks the Bundle inside the exporter; this suite judges
the same output with a tool the exporter does not use (``tests/fhir_schema.py``:
``fhir.schema.json`` 4.0.1 through ``jsonschema``), on each path an export can take:
the unit case (with and without a count, a PDF, an amendment, an addendum) and the
demo case on a database (slide count, signed report, amended and addended report, a
preliminary blood count sent with a ``<`` comparator, a case with nothing recorded).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from marrowscope.bootstrap import build_account_services, build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.codes import CaseExport
from marrowscope.interop.fhir import case_bundle
from marrowscope.services import cases, counting, interop, reporting
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.services.walkthrough import seed_demo_case, seed_demo_report
from marrowscope.services.walkthrough.demo_report import PATHOLOGIST as DEMO_PATHOLOGIST
from tests.db_support import sqlite_url
from tests.fhir_schema import R4Schema, load_r4_schema
from tests.integration.test_interop_cbc_out import record_bounded_cbc
from tests.unit.interop_support import case_export

EXPORTER = Actor("pat.hologist", Role.PATHOLOGIST)
CLINICIAN = Actor("cli.nician", Role.CLINICIAN)
COUNTER = Actor("mo.rph", Role.MORPHOLOGIST)
COUNTS = {"BLA": 40, "PMO": 20, "MYB": 40, "NGS": 150, "EBO": 130, "LYT": 80, "MON": 20,
          "BAS": 5, "PLM": 15}  # fmt: skip
SIGNED = datetime(2026, 3, 5, 16, 20, tzinfo=UTC)


@pytest.fixture(scope="module")
def r4() -> R4Schema:
    return load_r4_schema()


def _unit(name: str) -> CaseExport:
    base = case_export()
    variants = {
        "counted": base,
        "conclusion only": case_export(with_differential=False),
        "pdf": case_export(pdf=b"%PDF-1.4 tiny"),
        "signed": dataclasses.replace(base, final=True, signed_at=SIGNED, signed_by="pat.hologist"),
        "amended": dataclasses.replace(
            case_export(pdf=b"%PDF-1.4 tiny"),
            final=True,
            kind="amendment",
            signed_at=SIGNED,
            signed_by="pat.hologist",
        ),
        "addendum": dataclasses.replace(
            base, final=True, kind="addendum", signed_at=SIGNED, signed_by="pat.hologist"
        ),
    }
    return variants[name]


def test_the_schema_is_hl7s_r4_schema_without_vendor_resources(r4: R4Schema) -> None:
    mapping = r4.schema["discriminator"]["mapping"]

    assert r4.schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    assert {"Bundle", "DiagnosticReport", "ServiceRequest", "OperationOutcome"} <= set(mapping)
    assert len(mapping) == 146  # the resource types of R4 4.0.1, none added by a vendor


def test_the_schema_rejects_what_r4_forbids(r4: R4Schema) -> None:
    """The check can fail: an unknown element, a dateTime without its T and a status
    outside the value set are each reported, on the entry that carries them."""
    bundle = case_bundle(case_export())
    broken = copy.deepcopy(bundle)
    report = broken["entry"][-1]["resource"]
    report["issuedBy"] = "marrowscope"
    report["effectiveDateTime"] = "2026-03-02 09:30"
    report["status"] = "signed"

    found = r4.errors(broken)

    assert r4.errors(bundle) == []
    assert any("issuedBy" in e for e in found)
    assert any("effectiveDateTime" in e for e in found)
    assert any("DiagnosticReport/status" in e for e in found)


@pytest.mark.parametrize(
    "variant", ["counted", "conclusion only", "pdf", "signed", "amended", "addendum"]
)
def test_each_unit_export_passes_the_r4_schema(r4: R4Schema, variant: str) -> None:
    bundle = case_bundle(_unit(variant))

    assert r4.errors(bundle) == []


class _Clock:
    def __call__(self) -> datetime:
        return datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    url = sqlite_url(tmp_path)
    upgrade_database(url)
    engine = make_engine(url)
    yield build_uow_factory(engine, _Clock())
    engine.dispose()


def _export(factory: UnitOfWorkFactory, case_id: int, stores: Any = None) -> dict[str, Any]:
    with factory() as uow:
        return interop.export_case_fhir(uow, EXPORTER, case_id, stores=stores)


def _demo_with_count(factory: UnitOfWorkFactory) -> tuple[int, Any]:
    seeded = seed_demo_case(factory)
    stores = build_account_services(factory).stores
    with factory() as uow:
        slide = counting.open_slide(uow, stores, COUNTER, seeded.case_id, "Slide A")
        counting.finish_count(uow, stores, COUNTER, slide.id, 1, COUNTS)
    return seeded.case_id, stores


def test_the_demo_case_with_a_slide_count_passes(r4: R4Schema, factory: UnitOfWorkFactory) -> None:
    case_id, stores = _demo_with_count(factory)

    bundle = _export(factory, case_id, stores)

    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"ServiceRequest", "Procedure", "Specimen", "Observation"} <= kinds
    assert r4.errors(bundle) == []


def test_signed_amended_and_addended_reports_pass(r4: R4Schema, factory: UnitOfWorkFactory) -> None:
    case_id, stores = _demo_with_count(factory)
    with factory() as uow:
        seed_demo_report(uow)
    signed = _export(factory, case_id, stores)
    with factory() as uow:
        reporting.amend_report(
            uow,
            DEMO_PATHOLOGIST,
            case_id,
            {"conclusion": "Amended: appearances consistent with MDS with excess blasts."},
            reason="blast count reviewed",
        )
    amended = _export(factory, case_id, stores)
    with factory() as uow:
        reporting.addend_report(
            uow, DEMO_PATHOLOGIST, case_id, "CD34 immunostain: 9 % blasts.", reason="IHC"
        )
    addended = _export(factory, case_id, stores)

    statuses = [
        next(e["resource"]["status"] for e in b["entry"] if "conclusion" in e["resource"])
        for b in (signed, amended, addended)
    ]
    assert statuses == ["final", "amended", "appended"]
    assert [r4.errors(b) for b in (signed, amended, addended)] == [[], [], []]


def test_a_preliminary_count_with_a_comparator_passes(
    r4: R4Schema, factory: UnitOfWorkFactory
) -> None:
    """A preliminary count with a value sent as ``<0.01`` (what it exports as is
    checked in test_interop_cbc_out)."""
    case_id, stores = _demo_with_count(factory)
    with factory() as uow:
        record_bounded_cbc(uow, case_id)

    bundle = _export(factory, case_id, stores)

    assert r4.errors(bundle) == []


def test_a_case_with_nothing_recorded_passes(r4: R4Schema, factory: UnitOfWorkFactory) -> None:
    with factory() as uow:
        patient = cases.register_patient(
            uow,
            CLINICIAN,
            mrn="NEW-1",
            family_name="Nobody",
            given_name="Ann",
            birth_date=date(1970, 1, 1),
            sex="female",
        )
        case = cases.open_case(uow, CLINICIAN, patient.id)

    bundle = _export(factory, case.id)

    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == [
        "Patient",
        "DiagnosticReport",
    ]
    assert r4.errors(bundle) == []


def test_signed_risk_groups_go_out_as_coded_observations(
    r4: R4Schema, factory: UnitOfWorkFactory
) -> None:
    case_id, stores = _demo_with_count(factory)
    with factory() as uow:
        seed_demo_report(uow)
    draft_risks = [
        e for e in _export(factory, case_id, stores)["entry"] if "risk" in str(e["resource"])
    ]
    line = "IPSS-R: High, score 5; IPSS-M: not settled; ELN 2022: Adverse; prognosis guarded"
    with factory() as uow:
        reporting.amend_report(
            uow, DEMO_PATHOLOGIST, case_id, {"risk_scores": line}, reason="risk scores added"
        )

    bundle = _export(factory, case_id, stores)

    risks = {
        e["resource"]["code"]["coding"][0]["display"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["system"].endswith("/risk-score")
    }
    assert draft_risks == []
    assert sorted(risks) == ["ELN 2022", "IPSS-R"]  # not the open IPSS-M, not the prose
    ipssr = risks["IPSS-R"]
    assert ipssr["valueCodeableConcept"]["text"] == "High"
    assert ipssr["component"][0]["valueQuantity"]["value"] == 5.0
    assert ipssr["status"] == "amended"
    assert "component" not in risks["ELN 2022"]
    report = next(e["resource"] for e in bundle["entry"] if "conclusion" in e["resource"])
    ids = {e["fullUrl"] for e in bundle["entry"] if e["resource"] in risks.values()}
    assert ids <= {r["reference"] for r in report["result"]}
    assert "Risk: IPSS-R: High" in report["conclusion"]
    # the demo report's signed codes (D46.2, 9983/3) as conclusion codes, by system
    assert [(c["coding"][0]["system"].rsplit("/", 1)[-1], c["coding"][0]["code"]) for c in
            report["conclusionCode"]] == [("icd-10", "D46.2"), ("icd-o-3", "9983/3")]  # fmt: skip
    assert r4.errors(bundle) == []
