"""Report sign-out, amendment and release on a real database."""

from __future__ import annotations

import json

import pytest

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.counting.differential import demo_counts
from marrowscope.domain.errors import ImmutableRecord, PermissionDenied, TransitionNotAllowed
from marrowscope.domain.reporting import ReportKind, ReportStatus
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases, reporting
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from marrowscope.services.walkthrough import seed_demo_case, seed_demo_report
from marrowscope.services.walkthrough.demo_report import DEMO_FIELDS
from tests.services.conftest import FakeClock

PATHOLOGIST = Actor("dr.path", Role.PATHOLOGIST)
MORPHOLOGIST = Actor("morph", Role.MORPHOLOGIST)
CLINICIAN = Actor("dr.clin", Role.CLINICIAN)


@pytest.fixture
def case_id(uow: UnitOfWork) -> int:
    return seed_demo_case(uow).case_id


def _signed(uow: UnitOfWork, case_id: int) -> None:
    reporting.save_draft(uow, PATHOLOGIST, case_id, DEMO_FIELDS, counts=demo_counts().as_dict())
    reporting.sign_report(uow, PATHOLOGIST, case_id, confirm_warnings=True)


def test_amending_keeps_the_original_json_and_pdf_byte_for_byte(
    uow: UnitOfWork, case_id: int, clock: FakeClock
) -> None:
    """The signed original's stored documents survive an amendment unchanged."""
    _signed(uow, case_id)
    original = reporting.signed_documents(uow, PATHOLOGIST, case_id, 1)

    clock.advance(hours=2)
    amended = reporting.amend_report(
        uow, PATHOLOGIST, case_id, {"fibrosis_grade": "MF-2"}, reason="reticulin re-read"
    )

    assert amended.version == 2 and amended.kind is ReportKind.AMENDMENT
    assert reporting.signed_documents(uow, PATHOLOGIST, case_id, 1) == original
    assert json.loads(original[0])["fields"]["fibrosis_grade"] == "MF-1"
    assert original[1].startswith(b"%PDF")
    new_json, new_pdf = reporting.signed_documents(uow, PATHOLOGIST, case_id, 2)
    assert json.loads(new_json)["fields"]["fibrosis_grade"] == "MF-2"
    assert json.loads(new_json)["reason"] == "reticulin re-read"
    assert new_pdf != original[1]
    versions = reporting.list_versions(uow, PATHOLOGIST, case_id)
    assert [v.version for v in versions] == [1, 2]
    assert reporting.get_version(uow, PATHOLOGIST, case_id, 1).get("fibrosis_grade") == "MF-1"


def test_signed_report_refuses_a_draft_edit(uow: UnitOfWork, case_id: int) -> None:
    """After sign-out the only way to change the report is a new version."""
    _signed(uow, case_id)
    before = reporting.current_report(uow, PATHOLOGIST, case_id)

    with pytest.raises(ImmutableRecord):
        reporting.save_draft(uow, PATHOLOGIST, case_id, {"comment": "late change"})

    assert reporting.current_report(uow, PATHOLOGIST, case_id) == before


def test_morphologist_may_draft_but_not_sign(uow: UnitOfWork, case_id: int) -> None:
    """Sign-out is the pathologist's (roles)."""
    reporting.save_draft(uow, MORPHOLOGIST, case_id, {"conclusion": "consistent with MDS"})

    with pytest.raises(PermissionDenied):
        reporting.sign_report(uow, MORPHOLOGIST, case_id)

    report = reporting.current_report(uow, PATHOLOGIST, case_id)
    assert report is not None and report.status is ReportStatus.DRAFT


def test_sign_without_conclusion_is_refused(uow: UnitOfWork, case_id: int) -> None:
    reporting.save_draft(uow, PATHOLOGIST, case_id, {"comment": "x"})

    with pytest.raises(TransitionNotAllowed):
        reporting.sign_report(uow, PATHOLOGIST, case_id)


def test_release_is_recorded_and_opens_the_patient_summary(uow: UnitOfWork, case_id: int) -> None:
    """The patient sees nothing until release; release is its own audited step."""
    _signed(uow, case_id)
    case = uow.cases.get(case_id)
    assert case is not None
    patient = Actor("daniel", Role.PATIENT, patient_id=case.patient_id)
    assert reporting.patient_summary(uow, patient, case_id) is None

    released = reporting.release_report(uow, CLINICIAN, case_id, version=1)

    summary = reporting.patient_summary(uow, patient, case_id)
    assert released == 1 and summary is not None
    assert "discussion with your doctor" in summary
    actions = [(e.entity, e.action) for e in uow.audit.for_case(case_id) if e.entity == "report"]
    assert actions.count(("report", AuditAction.TRANSITION)) == 2  # sign, release


def test_demo_report_is_signed_and_offered_to_exports(uow: UnitOfWork) -> None:
    case_id = seed_demo_case(uow).case_id

    assert seed_demo_report(uow) == case_id
    assert seed_demo_report(uow) == case_id  # idempotent

    exported = reporting.report_for_export(uow, PATHOLOGIST, case_id)
    assert exported is not None and exported.final and exported.pdf is not None
    assert "myelodysplastic" in exported.conclusion
    assert len(reporting.list_versions(uow, PATHOLOGIST, case_id)) == 1


def test_serial_examinations_give_a_blast_trend_and_html(
    uow: UnitOfWork, clock: FakeClock, clinician: Actor
) -> None:
    """A second signed examination of the same patient puts both blast % in the trend."""
    from marrowscope.domain.cases.model import Sex
    from marrowscope.domain.counting.taxonomy import CellClass
    from marrowscope.reports.pdf import render_pdf

    person = cases.register_patient(
        uow, clinician, mrn="T-1", family_name="Trend", given_name="Tess",
        birth_date=clock().date().replace(year=1960), sex=Sex.FEMALE,
    )  # fmt: skip
    first = cases.open_case(uow, clinician, person.id).id
    reporting.save_draft(
        uow, PATHOLOGIST, first, {"conclusion": "consistent with MDS"},
        counts={CellClass("BLA"): 6, CellClass("NGS"): 94},
    )  # fmt: skip
    reporting.sign_report(uow, PATHOLOGIST, first, confirm_warnings=True)
    clock.advance(days=90)
    second = cases.open_case(uow, clinician, person.id).id
    reporting.save_draft(
        uow, PATHOLOGIST, second, {"conclusion": "consider progression", "iron_grade": "0"},
        counts={CellClass("BLA"): 12, CellClass("NGS"): 88},
    )  # fmt: skip

    view = reporting.report_view(uow, PATHOLOGIST, second)
    reporting.sign_report(uow, PATHOLOGIST, second, confirm_warnings=True)
    signed_view = reporting.report_view(uow, PATHOLOGIST, second)
    html = reporting.report_html(uow, PATHOLOGIST, second)

    assert [p.blast_percent for p in view.trend] == [6.0]  # a draft is not in the trend
    assert [p.blast_percent for p in signed_view.trend] == [6.0, 12.0]
    assert render_pdf(signed_view).startswith(b"%PDF")
    assert html is not None and "grade 0 (absent)" in html and "M:E" in html


def test_the_database_refuses_to_rewrite_a_signed_version(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Hand-written SQL cannot change or delete a signed version (migration reports_0002)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with uow_factory() as uow:
        case_id = seed_demo_case(uow).case_id
        _signed(uow, case_id)

    for statement in (
        "UPDATE report_version SET pdf = NULL WHERE case_id = :c",
        "DELETE FROM report_version WHERE case_id = :c",
    ):
        with uow_factory() as uow, pytest.raises(DBAPIError):
            uow.session.execute(text(statement), {"c": case_id})  # type: ignore[attr-defined]

    with uow_factory() as uow:
        assert reporting.signed_documents(uow, PATHOLOGIST, case_id, 1)[1].startswith(b"%PDF")


def test_a_new_draft_starts_from_verified_results_and_lists_pending_tests(
    uow: UnitOfWork, case_id: int
) -> None:
    """Karyotype, FISH, molecular, flow are copied; IHC (in process) is pending."""
    draft = reporting.save_draft(uow, MORPHOLOGIST, case_id, {"conclusion": "to follow"})

    assert draft.get("cytogenetics").startswith("46,XY,del(5)(q31q33)[12]/46,XY[8]")
    assert "92/200 nuclei (46 %)" in draft.get("fish")
    assert "TP53" in draft.get("molecular") and "VAF 23.5 %" in draft.get("molecular")
    assert "aberrant CD7" in draft.get("flow_cytometry")
    assert draft.get("trephine_cellularity_percent") == "80"
    assert draft.get("pending_tests") == "Immunohistochemistry (pending)"
    assert "Fatigue and bruising" in draft.get("clinical_details")
    assert draft.conclusion == "to follow"
