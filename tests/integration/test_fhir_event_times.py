"""The times of an exported Bundle follow the real order of events, read from the case.

A receiver sorts and files results by these times, so each comes from the record of the
event it names, never from the time of the export: the order authored (two days before
the procedure), the procedure, the specimens collected during it, the differential
(effective when its smear was collected, issued when it was counted) and the report
(issued at its sign-out). Every event of the case below is at a distinct known time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from marrowscope.bootstrap import build_account_services, build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import counting, interop
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.services.walkthrough import seed_demo_case, seed_demo_report
from tests.db_support import sqlite_url

EXPORTER = Actor("pat.hologist", Role.PATHOLOGIST)
COUNTER = Actor("mo.rph", Role.MORPHOLOGIST)
SEEDED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # the demo dates its history back from here
COUNTED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SIGNED = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
EXPORTED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
# the demo case's own history (services.walkthrough): order two days back, procedure one day
# back at 08:10-08:30, specimens taken 15 minutes in
ORDERED = "2026-02-28T08:00:00+00:00"
PROCEDURE = ("2026-03-01T08:10:00+00:00", "2026-03-01T08:30:00+00:00")
COLLECTED = "2026-03-01T08:25:00+00:00"


class _Clock:
    def __init__(self) -> None:
        self.at = SEEDED

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def timeline(tmp_path: Path) -> Iterator[tuple[UnitOfWorkFactory, _Clock, int, Any]]:
    """The demo case, its slide count saved at COUNTED; the clock then stands at EXPORTED."""
    url = sqlite_url(tmp_path)
    upgrade_database(url)
    engine = make_engine(url)
    clock = _Clock()
    factory = build_uow_factory(engine, clock)
    case_id = seed_demo_case(factory).case_id
    stores = build_account_services(factory).stores
    clock.at = COUNTED
    with factory() as uow:
        slide = counting.open_slide(uow, stores, COUNTER, case_id, "Slide A")
        counting.finish_count(uow, stores, COUNTER, slide.id, 1, {"BLA": 40, "NGS": 460})
    yield factory, clock, case_id, stores
    engine.dispose()


def _times(bundle: dict[str, Any]) -> dict[str, Any]:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    panel = next(o for o in by_type["Observation"] if "hasMember" in o)
    members = [o for o in by_type["Observation"] if o.get("issued") and "hasMember" not in o]
    return {
        "ordered": by_type["ServiceRequest"][0]["authoredOn"],
        "procedure": tuple(by_type["Procedure"][0]["performedPeriod"].values()),
        "collected": {s["collection"]["collectedDateTime"] for s in by_type["Specimen"]},
        "effective": panel["effectiveDateTime"],
        "member_times": {(o["effectiveDateTime"], o["issued"]) for o in members},
        "counted": panel["issued"],
        "report_effective": by_type["DiagnosticReport"][0]["effectiveDateTime"],
        "issued": by_type["DiagnosticReport"][0]["issued"],
    }


def _in_order(t: dict[str, Any]) -> list[datetime]:
    chain = [
        t["ordered"],
        t["procedure"][0],
        *sorted(t["collected"]),
        t["effective"],
        t["counted"],
        t["issued"],
    ]
    return [datetime.fromisoformat(x) for x in chain]


def test_a_signed_report_is_issued_at_sign_out_after_the_count_after_the_collection(
    timeline: tuple[UnitOfWorkFactory, _Clock, int, Any],
) -> None:
    factory, clock, case_id, stores = timeline
    clock.at = SIGNED
    with factory() as uow:
        seed_demo_report(uow)
    clock.at = EXPORTED

    with factory() as uow:
        bundle = interop.export_case_fhir(uow, EXPORTER, case_id, stores=stores)

    t = _times(bundle)
    assert t["ordered"] == ORDERED
    assert t["procedure"] == PROCEDURE
    assert t["collected"] == {COLLECTED}
    assert t["effective"] == t["report_effective"] == COLLECTED
    assert t["member_times"] == {(COLLECTED, COUNTED.isoformat())}
    assert t["counted"] == COUNTED.isoformat()
    assert t["issued"] == SIGNED.isoformat()
    assert bundle["timestamp"] == EXPORTED.isoformat()
    chain = _in_order(t)
    assert chain == sorted(chain)
    assert datetime.fromisoformat(PROCEDURE[0]) < datetime.fromisoformat(COLLECTED)
    assert datetime.fromisoformat(COLLECTED) < datetime.fromisoformat(PROCEDURE[1])


def test_before_sign_out_only_the_report_is_issued_at_the_export(
    timeline: tuple[UnitOfWorkFactory, _Clock, int, Any],
) -> None:
    """A preliminary report is issued when it is sent; the count keeps its own time."""
    factory, clock, case_id, stores = timeline
    clock.at = EXPORTED

    with factory() as uow:
        bundle = interop.export_case_fhir(uow, EXPORTER, case_id, stores=stores)

    t = _times(bundle)
    assert (t["ordered"], t["effective"]) == (ORDERED, COLLECTED)
    assert t["counted"] == COUNTED.isoformat()
    assert t["issued"] == EXPORTED.isoformat()
    chain = _in_order(t)
    assert chain == sorted(chain)


def test_a_count_saved_after_sign_out_does_not_date_the_signed_differential(
    timeline: tuple[UnitOfWorkFactory, _Clock, int, Any],
) -> None:
    """The signed version reports the count it was signed on, so its differential is
    issued no later than the report, even when another slide is counted afterwards."""
    factory, clock, case_id, stores = timeline
    clock.at = SIGNED
    with factory() as uow:
        seed_demo_report(uow)
    clock.at = datetime(2026, 3, 2, 11, 45, tzinfo=UTC)
    with factory() as uow:
        slide = counting.open_slide(uow, stores, COUNTER, case_id, "Slide B")
        counting.finish_count(uow, stores, COUNTER, slide.id, 1, {"BLA": 10, "NGS": 190})
    clock.at = EXPORTED

    with factory() as uow:
        bundle = interop.export_case_fhir(uow, EXPORTER, case_id, stores=stores)

    t = _times(bundle)
    assert t["counted"] == COUNTED.isoformat()
    assert t["issued"] == SIGNED.isoformat()
