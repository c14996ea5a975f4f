"""An order keeps the time it was authored and who requested it when another system wrote
it first (issue 14: times follow the real order of events); it is still audited under
the actor who placed it here, and a time in the future or without a zone is refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor
from marrowscope.services import cases, pathway
from marrowscope.services.pathway.cbc_order import ORDER_CLOCK_SKEW
from marrowscope.services.unit_of_work import UnitOfWork
from tests.services.conftest import FakeClock


@pytest.fixture
def case_id(uow: UnitOfWork, clinician: Actor) -> int:
    patient = cases.register_patient(
        uow, clinician, mrn="P-1", family_name="Doe", given_name="Jo",
        birth_date=date(1958, 1, 2), sex=Sex.FEMALE,
    )  # fmt: skip
    return cases.open_case(uow, clinician, patient.id).id


def _order(uow: UnitOfWork, actor: Actor, case_id: int, **extra: object) -> object:
    return pathway.place_order(
        uow, actor, case_id, indications=["pancytopenia"], clinical_details="", **extra
    )  # type: ignore[arg-type]


def test_an_order_placed_here_is_authored_now_by_the_actor(
    uow: UnitOfWork, clinician: Actor, case_id: int, clock: FakeClock
) -> None:
    _order(uow, clinician, case_id)

    stored = uow.pathway.latest(case_id, RecordKind.ORDER)
    assert stored is not None
    assert stored.payload["ordered_at"] == clock().isoformat()
    assert stored.payload["ordered_by"] == clinician.username


def test_an_order_from_elsewhere_keeps_its_time_and_requester_and_is_audited_here(
    uow: UnitOfWork, clinician: Actor, case_id: int, clock: FakeClock
) -> None:
    authored = clock() - timedelta(hours=5)

    _order(uow, clinician, case_id, ordered_at=authored, requester="Dr A Smith (12345)")

    stored = uow.pathway.latest(case_id, RecordKind.ORDER)
    assert stored is not None
    assert stored.payload["ordered_at"] == authored.isoformat()
    assert stored.payload["ordered_by"] == "Dr A Smith (12345)"
    created = [e for e in uow.audit.for_case(case_id) if e.action is AuditAction.CREATE]
    assert created[-1].actor.username == clinician.username


@pytest.mark.parametrize(
    ("offset", "refused"),
    [(ORDER_CLOCK_SKEW, False), (ORDER_CLOCK_SKEW + timedelta(seconds=1), True)],
)
def test_an_order_time_beyond_the_clock_skew_is_refused(
    uow: UnitOfWork,
    clinician: Actor,
    case_id: int,
    clock: FakeClock,
    offset: timedelta,
    refused: bool,
) -> None:
    if refused:
        with pytest.raises(InvalidInput, match="future"):
            _order(uow, clinician, case_id, ordered_at=clock() + offset)
        assert uow.pathway.latest(case_id, RecordKind.ORDER) is None
    else:
        _order(uow, clinician, case_id, ordered_at=clock() + offset)
        assert uow.pathway.latest(case_id, RecordKind.ORDER) is not None


def test_an_order_time_without_a_zone_is_refused(
    uow: UnitOfWork, clinician: Actor, case_id: int
) -> None:
    with pytest.raises(InvalidInput, match="zone"):
        _order(uow, clinician, case_id, ordered_at=datetime(2026, 3, 1, 9, 0))

    assert uow.pathway.latest(case_id, RecordKind.ORDER) is None
