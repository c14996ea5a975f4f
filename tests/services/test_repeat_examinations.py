"""A patient's next marrow: any number of cases per patient in time order, a second open
case for the same indication on the same day refused, and the repeat marrow compared
with the previous one and given the response it is consistent with."""

from __future__ import annotations

from datetime import date

import pytest

from marrowscope.bootstrap import build_account_services
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.errors import Conflict, NotAllowed, NotFound
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases, pathway
from marrowscope.services.diagnosis import case_followup, case_response
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.services.conftest import FakeClock

PATHOLOGIST = Actor("dr.petra", Role.PATHOLOGIST)
BORN = date(1958, 4, 9)


def _patient(uow: UnitOfWork, who: Actor) -> int:
    return cases.register_patient(
        uow, who, mrn="MRN-77", family_name="Roe", given_name="Ann", birth_date=BORN,
        sex=Sex.FEMALE,
    ).id  # fmt: skip


def _order(uow: UnitOfWork, who: Actor, case_id: int, *indications: str) -> None:
    pathway.place_order(uow, who, case_id, indications=list(indications), clinical_details="")


def test_a_patient_holds_any_number_of_cases_listed_oldest_first(
    uow: UnitOfWork, clinician: Actor, clock: FakeClock
) -> None:
    patient_id = _patient(uow, clinician)
    first = cases.open_case(uow, clinician, patient_id)
    clock.advance(days=28)

    second = cases.open_next_case(uow, clinician, "mrn-77", BORN)
    clock.advance(days=60)
    third = cases.open_next_case(uow, clinician, "MRN-77", BORN)

    listed = cases.patient_cases(uow, clinician, patient_id)
    assert [c.id for c in listed] == [first.id, second.id, third.id]
    assert [c.id for c in cases.earlier_cases(uow, clinician, third.id)] == [first.id, second.id]


def test_the_next_case_needs_the_date_of_birth_as_well_as_the_mrn(
    uow: UnitOfWork, clinician: Actor
) -> None:
    _patient(uow, clinician)

    with pytest.raises(NotFound, match="no patient with this MRN and date of birth"):
        cases.open_next_case(uow, clinician, "MRN-77", date(1958, 4, 10))


def test_the_same_indication_on_a_second_open_case_the_same_day_is_refused(
    uow: UnitOfWork, clinician: Actor, clock: FakeClock
) -> None:
    patient_id = _patient(uow, clinician)
    first = cases.open_case(uow, clinician, patient_id)
    _order(uow, clinician, first.id, "treatment_monitoring")
    clock.advance(hours=3)
    second = cases.open_next_case(uow, clinician, "MRN-77", BORN)

    with pytest.raises(Conflict, match=rf"already ordered on case {first.id}, opened the same day"):
        _order(uow, clinician, second.id, "treatment_monitoring", "splenomegaly")
    _order(uow, clinician, second.id, "splenomegaly")  # another indication is a new request

    assert uow.pathway.latest(second.id, RecordKind.ORDER) is not None


def test_the_same_indication_the_next_day_is_a_new_examination(
    uow: UnitOfWork, clinician: Actor, clock: FakeClock
) -> None:
    patient_id = _patient(uow, clinician)
    first = cases.open_case(uow, clinician, patient_id)
    _order(uow, clinician, first.id, "treatment_monitoring")
    clock.advance(days=1)

    second = cases.open_next_case(uow, clinician, "MRN-77", BORN)
    _order(uow, clinician, second.id, "treatment_monitoring")

    assert uow.pathway.latest(second.id, RecordKind.ORDER) is not None


@pytest.fixture
def stores(uow_factory: UnitOfWorkFactory):  # type: ignore[no-untyped-def]
    return build_account_services(uow_factory).stores


def test_day_28_marrow_is_compared_with_the_diagnosis_and_given_a_response(
    uow: UnitOfWork, clinician: Actor, clock: FakeClock, stores
) -> None:
    patient_id = _patient(uow, clinician)
    diagnosis = cases.open_case(uow, clinician, patient_id)
    clock.advance(days=28)
    day28 = cases.open_next_case(uow, clinician, "MRN-77", BORN)
    counted = {
        diagnosis.id: {"BLA": 124, "NGS": 46, "EBO": 30},
        day28.id: {"BLA": 6, "NGS": 150, "EBO": 44},
    }

    followup = case_followup(
        uow, stores, PATHOLOGIST, day28.id, report_of=lambda cid: ({}, counted[cid])
    )

    assert followup.previous is not None and followup.previous.id == diagnosis.id
    blasts = followup.figures[0]
    assert (blasts.previous, blasts.current) == ("62.0 % (124/200)", "3.0 % (6/200)")
    assert blasts.beyond_chance is True
    assert followup.response is not None and followup.response.proposed is not None
    assert followup.response.proposed.name.startswith("complete remission")


def test_a_response_without_an_earlier_diagnosis_is_refused_with_its_reason(
    uow: UnitOfWork, clinician: Actor, clock: FakeClock, stores
) -> None:
    patient_id = _patient(uow, clinician)
    first = cases.open_case(uow, clinician, patient_id)
    clock.advance(days=28)
    second = cases.open_next_case(uow, clinician, "MRN-77", BORN)
    counted = {
        first.id: {"BLA": 2, "NGS": 150, "EBO": 48},
        second.id: {"BLA": 1, "NGS": 150, "EBO": 49},
    }

    with pytest.raises(NotAllowed, match="no earlier examination of this patient has a diagnosis"):
        case_response(uow, stores, PATHOLOGIST, second.id, report_of=lambda cid: ({}, counted[cid]))
    shown = case_followup(
        uow, stores, PATHOLOGIST, second.id, report_of=lambda cid: ({}, counted[cid])
    )

    assert shown.response is None and "AML or myeloma" in shown.refusal
    assert case_followup(uow, stores, PATHOLOGIST, first.id).refusal.startswith("This is the")
