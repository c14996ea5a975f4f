"""Registering patients and opening cases: audited, atomic, unique MRN."""

from __future__ import annotations

from datetime import date

import pytest

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.model import CaseStatus, Sex
from marrowscope.domain.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    PermissionDenied,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


def _register(uow: UnitOfWork, who: Actor, mrn: str = "MRN-1") -> int:
    return cases.register_patient(
        uow, who, mrn=mrn, family_name="Doe", given_name="Jane",
        birth_date=date(1960, 5, 1), sex=Sex.FEMALE,
    ).id  # fmt: skip


def test_registration_is_audited_with_each_field(uow: UnitOfWork, clinician: Actor) -> None:
    patient_id = _register(uow, clinician)

    [entry] = uow.audit.for_entity("patient", str(patient_id))

    assert entry.action is AuditAction.CREATE
    assert entry.actor == Actor("dr.clara", Role.CLINICIAN)
    assert entry.changes["mrn"].old is None and entry.changes["mrn"].new == "MRN-1"
    assert entry.changes["birth_date"].new == "1960-05-01"
    assert entry.at.tzinfo is not None


def test_duplicate_mrn_is_a_conflict_and_writes_nothing(
    uow_factory: UnitOfWorkFactory, clinician: Actor
) -> None:
    with uow_factory() as uow:
        _register(uow, clinician, "mrn-7")

    with uow_factory() as uow, pytest.raises(Conflict):
        _register(uow, clinician, " MRN-7 ")

    with uow_factory() as uow:
        assert len(uow.patients.search("MRN-7")) == 1
        assert len(uow.audit.recent()) == 1


def test_birth_date_in_the_future_is_refused(uow: UnitOfWork, clinician: Actor) -> None:
    with pytest.raises(InvalidInput, match="birth_date"):
        cases.register_patient(
            uow, clinician, mrn="X1", family_name="Doe", given_name="J",
            birth_date=date(2099, 1, 1), sex="female",
        )  # fmt: skip


def test_a_patient_user_cannot_register_or_see_another_patient(
    uow: UnitOfWork, clinician: Actor
) -> None:
    own = _register(uow, clinician, "A1")
    other = _register(uow, clinician, "A2")
    patient_user = Actor("pat", Role.PATIENT, patient_id=own)

    with pytest.raises(PermissionDenied):
        _register(uow, patient_user, "A3")
    with pytest.raises(NotFound):
        cases.get_patient(uow, patient_user, other)
    assert cases.get_patient(uow, patient_user, own).id == own


def test_case_opens_and_closes_with_history(uow: UnitOfWork, clinician: Actor) -> None:
    case = cases.open_case(uow, clinician, _register(uow, clinician))

    closed = cases.close_case(uow, clinician, case.id, CaseStatus.CANCELLED, "duplicate")

    assert closed.status is CaseStatus.CANCELLED
    actions = [e.action for e in uow.audit.for_case(case.id)]
    assert actions == [AuditAction.CREATE, AuditAction.TRANSITION]
    with pytest.raises(NotAllowed, match="already cancelled"):
        cases.close_case(uow, clinician, case.id, CaseStatus.CLOSED)
