"""Release names the version it sends and who sent it; the patient sees the last released.

The releaser confirms the version they read: none named, one never signed, or an older
one while an amendment waits are each refused with nothing recorded. After an amendment
the patient keeps the released version, labelled, until the amendment is released too.
"""

from __future__ import annotations

import pytest

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import Conflict, InvalidInput
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import reporting
from marrowscope.services.reporting import report_state
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.services.walkthrough import seed_demo_case

PATHOLOGIST = Actor("pia", Role.PATHOLOGIST)
CLINICIAN = Actor("clara", Role.CLINICIAN)
FIRST = "Hypercellular marrow consistent with a myelodysplastic neoplasm."
AMENDED = "Hypercellular marrow consistent with acute myeloid leukaemia (blasts 22 %)."


@pytest.fixture
def case_id(uow: UnitOfWork) -> int:
    case_id = seed_demo_case(uow).case_id
    reporting.save_draft(uow, PATHOLOGIST, case_id, {"conclusion": FIRST})
    reporting.sign_report(uow, PATHOLOGIST, case_id, confirm_warnings=True)
    return case_id


def _patient(uow: UnitOfWork, case_id: int) -> Actor:
    case = uow.cases.get(case_id)
    assert case is not None
    return Actor("daniel", Role.PATIENT, patient_id=case.patient_id)


def _releases_audited(uow: UnitOfWork, case_id: int) -> int:
    return sum(
        1
        for e in uow.audit.for_case(case_id)
        if e.entity == "report"
        and e.action is AuditAction.TRANSITION
        and "released_version" in e.changes
    )


def _amend(uow: UnitOfWork, case_id: int) -> None:
    reporting.amend_report(
        uow, PATHOLOGIST, case_id, {"conclusion": AMENDED}, reason="blasts re-counted"
    )


@pytest.mark.parametrize(
    ("version", "words"),
    [(None, "newest signed is version 1"), (7, "no signed version 7")],
)
def test_a_release_without_the_signed_version_confirmed_records_nothing(
    uow: UnitOfWork, case_id: int, version: int | None, words: str
) -> None:
    with pytest.raises(InvalidInput, match=words) as refused:
        reporting.release_report(uow, CLINICIAN, case_id, version=version)

    assert str(refused.value).startswith("version: ")  # the page puts it by the tick box
    assert report_state(uow, CLINICIAN, case_id).status == "signed"
    assert _releases_audited(uow, case_id) == 0


def test_an_amendment_signed_after_reading_refuses_the_older_version(
    uow: UnitOfWork, case_id: int
) -> None:
    """The clinician read version 1; version 2 was signed meanwhile: nothing goes out unread."""
    _amend(uow, case_id)

    with pytest.raises(Conflict, match="version 2 was signed since"):
        reporting.release_report(uow, CLINICIAN, case_id, version=1)

    assert report_state(uow, CLINICIAN, case_id).released_version is None
    assert reporting.patient_summary(uow, _patient(uow, case_id), case_id) is None
    assert _releases_audited(uow, case_id) == 0


def test_the_same_version_is_not_released_twice(uow: UnitOfWork, case_id: int) -> None:
    reporting.release_report(uow, CLINICIAN, case_id, version=1)

    with pytest.raises(Conflict, match="already released"):
        reporting.release_report(uow, CLINICIAN, case_id, version=1)
    assert _releases_audited(uow, case_id) == 1


def test_the_release_names_the_releaser_as_they_stood(uow: UnitOfWork, case_id: int) -> None:
    number = reporting.release_report(
        uow, CLINICIAN, case_id, version=1, releaser_name="Dr Clara Chen"
    )
    state = report_state(uow, CLINICIAN, case_id)

    assert number == 1
    assert (state.status, state.released_version) == ("released", 1)
    assert state.released_by == "Dr Clara Chen, clinician"
    assert state.released_at == uow.now()
    assert "by Dr Clara Chen, clinician" in state.words


def test_after_an_amendment_the_patient_sees_the_released_version_until_it_is_released(
    uow: UnitOfWork, case_id: int
) -> None:
    patient = _patient(uow, case_id)
    reporting.release_report(uow, CLINICIAN, case_id, version=1, releaser_name="Dr Clara Chen")

    _amend(uow, case_id)
    between = report_state(uow, patient, case_id)
    summary_between = reporting.patient_summary(uow, patient, case_id)
    reporting.release_report(uow, CLINICIAN, case_id, version=2, releaser_name="Dr Clara Chen")
    after = report_state(uow, patient, case_id)
    summary_after = reporting.patient_summary(uow, patient, case_id)

    assert (between.status, between.version, between.released_version) == ("signed", 2, 1)
    assert "the patient sees version 1" in between.words
    assert summary_between is not None and FIRST in summary_between
    assert AMENDED not in summary_between
    assert (after.status, after.released_version) == ("released", 2)
    assert summary_after is not None and AMENDED in summary_after
    assert _releases_audited(uow, case_id) == 2
