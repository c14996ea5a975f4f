"""The one read model behind every staff case list: stage, report, pending tests, turnaround."""

from __future__ import annotations

from datetime import date, timedelta

from marrowscope.domain.counting.differential import demo_counts
from marrowscope.domain.pathway.records import CaseStage
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import reporting
from marrowscope.services.cases import open_case, register_patient
from marrowscope.services.reporting import case_list, duration_words
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.services.walkthrough import seed_demo_case
from marrowscope.services.walkthrough.demo_report import DEMO_FIELDS
from tests.services.conftest import FakeClock

CLINICIAN = Actor("dr.clin", Role.CLINICIAN)
NURSE = Actor("nina", Role.NURSE)
PATHOLOGIST = Actor("dr.path", Role.PATHOLOGIST)


def test_a_new_case_has_no_report_no_pending_tests_and_no_turnaround(uow: UnitOfWork) -> None:
    patient = register_patient(
        uow, CLINICIAN, mrn="N1", family_name="New", given_name="Nora",
        birth_date=date(1970, 1, 1), sex="female",
    )  # fmt: skip
    case = open_case(uow, CLINICIAN, patient.id)

    (row,) = [r for r in case_list(uow, NURSE) if r.case.id == case.id]

    assert row.stage is CaseStage.OPENED and row.stage_words == "Opened"
    assert row.report_words == "No report"
    assert row.pending_tests == () and row.pending_words == "None"
    assert row.turnaround is None and row.turnaround_words == "Not ordered"


def test_turnaround_runs_from_the_order_until_the_first_sign_out(
    uow: UnitOfWork, clock: FakeClock
) -> None:
    """Pending tests are named; the turnaround stops at sign-out and stays stopped."""
    case_id = seed_demo_case(uow).case_id
    clock.advance(hours=30)

    (running,) = [r for r in case_list(uow, NURSE) if r.case.id == case_id]
    reporting.save_draft(uow, PATHOLOGIST, case_id, DEMO_FIELDS, counts=demo_counts().as_dict())
    (draft,) = [r for r in case_list(uow, CLINICIAN) if r.case.id == case_id]
    reporting.sign_report(uow, PATHOLOGIST, case_id, confirm_warnings=True)
    signed_at = clock.current
    clock.advance(days=3)
    (signed,) = [r for r in case_list(uow, PATHOLOGIST) if r.case.id == case_id]

    assert running.ordered_at is not None
    assert running.turnaround == clock.current - timedelta(days=3) - running.ordered_at
    assert running.turnaround_words.endswith("since the order")
    assert running.report_words == "No report" and draft.report_words == "Draft"
    assert "Immunohistochemistry" in running.pending_words
    assert running.pending_words.startswith(f"{len(running.pending_tests)}: ")
    assert signed.report_words == "Signed" and signed.turnaround_stopped
    assert signed.turnaround == signed_at - running.ordered_at
    assert signed.turnaround_words == duration_words(signed_at - running.ordered_at) + " (signed)"


def test_duration_words_reads_days_and_hours() -> None:
    assert duration_words(timedelta(minutes=59)) == "under 1 h"
    assert duration_words(timedelta(hours=1)) == "1 h"
    assert duration_words(timedelta(hours=23, minutes=59)) == "23 h"
    assert duration_words(timedelta(hours=24)) == "1 d 0 h"
    assert duration_words(timedelta(days=2, hours=5, minutes=30)) == "2 d 5 h"
    assert duration_words(timedelta(seconds=-5)) == "under 1 h"
