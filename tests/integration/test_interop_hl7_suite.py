"""The HL7 importer on realistic messages (``hl7_messages.CASES``), SQLite and PostgreSQL.

Each message must get its ACK code (and ERR-3 when refused), filed values must be the
ones sent (converted to the table's units), and a refused message must leave the case
as it was. Duplicates are acknowledged and stored once; a final or corrected result
supersedes the earlier one for the same order, which stays in the history.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import hl7
import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.interop.hl7v2 import InboundRules
from marrowscope.services import interop
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.services.walkthrough import seed_demo_case
from tests.db_support import database_url
from tests.integration.hl7_messages import CASES, HB, PLT, Case, oru


class _Clock:
    def __call__(self) -> datetime:
        return datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[UnitOfWorkFactory, int]]:
    """One database per backend, the demo case open; each message files under its own
    order and control id, so the messages do not interfere."""
    with database_url(request.param, tmp_path_factory.mktemp("hl7")) as url:
        upgrade_database(url)
        engine = make_engine(url)
        factory = build_uow_factory(engine, _Clock())
        yield factory, seed_demo_case(factory).case_id
        engine.dispose()


def _cbc_records(factory: UnitOfWorkFactory, case_id: int) -> list[object]:
    with factory() as uow:
        return [r for r in uow.pathway.records(case_id) if r.kind is RecordKind.CBC]


def _import(factory: UnitOfWorkFactory, message: str | bytes, **rules: str) -> object:
    with factory() as uow:
        return interop.import_hl7_cbc(uow, message, rules=InboundRules(**rules))


def test_the_suite_is_large_and_varied() -> None:
    assert len(CASES) >= 40
    assert {c.ack for c in CASES} == {"AA", "AE", "AR"}
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_message_gets_its_ack_and_files_exactly_what_was_sent(
    seeded: tuple[UnitOfWorkFactory, int], case: Case
) -> None:
    factory, case_id = seeded
    before = _cbc_records(factory, case_id)

    result = _import(factory, case.message, **case.rules)

    ack = result.ack  # type: ignore[attr-defined]
    msa = hl7.parse(ack).segment("MSA")  # a second parser reads the ACK too
    assert str(msa[1]) == case.ack, result.error  # type: ignore[attr-defined]
    parse_message(ack, validation_level=VALIDATION_LEVEL.STRICT).validate()
    assert ack.endswith("\r") and "\n" not in ack
    after = _cbc_records(factory, case_id)
    if case.values is None:
        assert str(hl7.parse(ack).segment("ERR")[3][0][0]) == case.code
        assert len(after) == len(before), "a refused message wrote a count"
        return
    assert len(after) == len(before) + 1
    payload = after[-1].payload  # type: ignore[attr-defined]
    assert payload["values"] == pytest.approx(case.values)
    assert payload["status"] == case.status
    assert payload["comparators"] == case.comparators
    assert datetime.fromisoformat(payload["collected_at"]) == case.collected_at


def test_the_same_message_twice_is_acknowledged_twice_and_stored_once(
    seeded: tuple[UnitOfWorkFactory, int],
) -> None:
    factory, case_id = seeded
    message = oru(900, [HB, PLT])
    before = len(_cbc_records(factory, case_id))

    first, second = _import(factory, message), _import(factory, message)

    assert "MSA|AA|M900" in first.ack and "MSA|AA|M900" in second.ack  # type: ignore[attr-defined]
    assert second.duplicate  # type: ignore[attr-defined]
    assert len(_cbc_records(factory, case_id)) == before + 1


@pytest.mark.parametrize(("first", "then"), [("P", "F"), ("F", "C")])
def test_a_later_result_for_the_same_order_supersedes_the_earlier_with_history(
    seeded: tuple[UnitOfWorkFactory, int], first: str, then: str
) -> None:
    factory, case_id = seeded
    n = 910 if first == "P" else 920
    earlier = oru(n, [HB, PLT], obr25=first)
    later = oru(n, [HB, PLT.replace("||51|", "||58|")], obr25=then).replace(f"|M{n}|", f"|N{n}|")

    assert "MSA|AA" in _import(factory, earlier).ack  # type: ignore[attr-defined]
    assert "MSA|AA" in _import(factory, later).ack  # type: ignore[attr-defined]

    records = [
        r
        for r in _cbc_records(factory, case_id)
        if r.payload["values"].get("platelets") in (51.0, 58.0)
    ]  # type: ignore[attr-defined]  # noqa: E501
    newest = records[-1]
    assert newest.payload["values"]["platelets"] == 58.0  # type: ignore[attr-defined]
    assert newest.supersedes_id is not None  # type: ignore[attr-defined]
    old = next(r for r in records if r.id == newest.supersedes_id)  # type: ignore[attr-defined]
    assert old.payload["values"]["platelets"] == 51.0  # type: ignore[attr-defined]
    assert old.payload["status"] == ("preliminary" if first == "P" else "final")  # type: ignore[attr-defined]  # noqa: E501


def test_parse_time_grows_linearly_with_the_message(tmp_path: Path) -> None:
    """Reading 10x more OBX takes about 10x the time, not 100x (no quadratic step)."""
    import time

    from marrowscope.interop.hl7v2.er7_reader import read_er7

    def cost(count: int) -> float:
        # the fastest of several runs: other jobs on the machine only ever add time
        text = oru(1, [HB] * count)
        best = float("inf")
        for _ in range(7):
            start = time.perf_counter()
            read_er7(text)
            best = min(best, time.perf_counter() - start)
        return best

    small, large = cost(500), cost(5000)
    assert large < small * 30
