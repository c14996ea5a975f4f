"""A blood count goes out as it came in: preliminary stays preliminary, a bound stays a
bound. Checked in the FHIR Bundle and, with python-hl7 (not our writer), in the ORU."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import hl7
import pytest

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import interop, pathway
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from marrowscope.services.walkthrough import seed_demo_case
from tests.db_support import sqlite_url

EXPORTER = Actor("pat.hologist", Role.PATHOLOGIST)
CLINICIAN = Actor("cli.nician", Role.CLINICIAN)
BASOPHILS_LOINC = "704-7"


def record_bounded_cbc(uow: UnitOfWork, case_id: int) -> None:
    """A preliminary count whose basophils were sent as ``<0.01`` x10^9/L."""
    pathway.record_cbc(
        uow,
        CLINICIAN,
        case_id,
        collected_at=datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
        measurements={
            "hb": (8.8, "g/dL"),
            "wbc": (2.1, "x10^9/L"),
            "platelets": (64, "x10^9/L"),
            "basophils": (0.01, "x10^9/L"),
        },
        status="preliminary",
        comparators={"basophils": "<"},
    )


@pytest.fixture
def case_id(tmp_path: Path) -> Iterator[tuple[UnitOfWorkFactory, int]]:
    url = sqlite_url(tmp_path)
    upgrade_database(url)
    engine = make_engine(url)
    factory = build_uow_factory(engine, lambda: datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    seeded = seed_demo_case(factory)
    with factory() as uow:
        record_bounded_cbc(uow, seeded.case_id)
    yield factory, seeded.case_id
    engine.dispose()


def test_fhir_keeps_the_comparator_and_the_preliminary_status(
    case_id: tuple[UnitOfWorkFactory, int],
) -> None:
    factory, case = case_id

    with factory() as uow:
        bundle = interop.export_case_fhir(uow, EXPORTER, case)

    cbc = {
        c["code"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"].get("effectiveDateTime") == "2026-03-02T07:00:00+00:00"
        for c in e["resource"]["code"]["coding"]
    }
    assert cbc[BASOPHILS_LOINC]["valueQuantity"]["comparator"] == "<"
    assert cbc[BASOPHILS_LOINC]["valueQuantity"]["value"] == 0.01
    assert {o["status"] for o in cbc.values()} == {"preliminary"}
    assert all("comparator" not in o["valueQuantity"] for k, o in cbc.items() if k != "704-7")


def test_hl7_sends_the_bound_as_sn_and_the_count_as_p(
    case_id: tuple[UnitOfWorkFactory, int],
) -> None:
    factory, case = case_id

    with factory() as uow:
        text = interop.export_case_hl7(uow, EXPORTER, case)

    message = hl7.parse(text)
    cbc_obr = next(o for o in message.segments("OBR") if str(o[4][0][0]) == "58410-2")
    basophils = next(s for s in message.segments("OBX") if str(s[3][0][0]) == BASOPHILS_LOINC)
    assert str(cbc_obr[25]) == "P"
    assert str(basophils[2]) == "SN"
    assert (str(basophils[5][0][0]), str(basophils[5][0][1])) == ("<", "0.01")
    assert str(basophils[11]) == "P"
