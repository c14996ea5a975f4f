"""The prefilled draft, the guarded sign-out, the release decision and the PDF pages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from marrowscope.domain.counting.differential import demo_counts
from marrowscope.domain.errors import AuthenticationFailed, PermissionDenied
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.reporting import UnconfirmedWarnings
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import reporting
from marrowscope.services.accounts import LoginThrottle, confirm_password
from marrowscope.services.reporting import report_state
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from marrowscope.services.walkthrough import seed_demo_case

PATHOLOGIST = Actor("pia", Role.PATHOLOGIST)
CLINICIAN = Actor("clara", Role.CLINICIAN)


@pytest.fixture
def case_id(uow: UnitOfWork) -> int:
    return seed_demo_case(uow).case_id


def test_a_draft_saved_from_a_blank_form_keeps_the_prefill(uow: UnitOfWork, case_id: int) -> None:
    """The web form posts every field; blanks must not wipe what the pathway holds."""
    blank_form = dict.fromkeys(("clinical_details", "blood_findings", "cytogenetics"), "")

    draft = reporting.save_draft(uow, PATHOLOGIST, case_id, {**blank_form, "conclusion": "x"})

    assert "Fatigue and bruising" in draft.get("clinical_details")
    assert draft.get("indication") == (
        "Unexplained bicytopenia or pancytopenia, Blasts or other abnormal cells in the blood"
    )
    assert "Haemoglobin" in draft.get("blood_findings") and "g/L" in draft.get("blood_findings")
    assert "[ref." in draft.get("blood_findings")
    assert draft.get("aspirate_site") == "Posterior iliac crest, right"
    assert draft.get("ease_of_aspiration") == "Aspirate obtained"
    assert draft.get("trephine_length_mm") == "18"
    assert draft.get("cytogenetics").startswith("46,XY,del(5)(q31q33)[12]/46,XY[8]")
    assert "TP53" in draft.get("molecular")


def test_examined_is_the_procedure_date_not_the_case_opening(uow: UnitOfWork, case_id: int) -> None:
    reporting.save_draft(uow, PATHOLOGIST, case_id, {"conclusion": "x"})
    procedure = uow.pathway.latest(case_id, RecordKind.PROCEDURE)
    case = uow.cases.get(case_id)
    assert procedure is not None and case is not None

    view = reporting.report_view(uow, PATHOLOGIST, case_id)

    started = procedure.payload["procedure"]["started_at"][:10]
    assert view.examined_on.isoformat() == started
    assert started != case.opened_at.date().isoformat()


def test_sign_out_with_a_pending_test_needs_confirmation(uow: UnitOfWork, case_id: int) -> None:
    reporting.save_draft(
        uow, PATHOLOGIST, case_id, {"conclusion": "consistent with MDS"},
        counts=demo_counts().as_dict(),
    )  # fmt: skip

    warnings = reporting.signout_warnings(uow, PATHOLOGIST, case_id)
    with pytest.raises(UnconfirmedWarnings, match="Immunohistochemistry"):
        reporting.sign_report(uow, PATHOLOGIST, case_id)
    signed = reporting.sign_report(
        uow, PATHOLOGIST, case_id, confirm_warnings=True, signer_name="Dr Pia Pathologist"
    )

    assert [w.code for w in warnings] == ["tests_pending"]
    assert signed.signer == "Dr Pia Pathologist, pathologist"
    assert (
        reporting.list_versions(uow, PATHOLOGIST, case_id)[-1].signer_name == "Dr Pia Pathologist"
    )


def test_release_is_the_configured_roles_decision_and_shows_as_a_state(
    uow: UnitOfWork, case_id: int
) -> None:
    reporting.save_draft(uow, PATHOLOGIST, case_id, {"conclusion": "x"})
    reporting.sign_report(uow, PATHOLOGIST, case_id, confirm_warnings=True)
    before = report_state(uow, CLINICIAN, case_id)

    with pytest.raises(PermissionDenied):
        reporting.release_report(uow, PATHOLOGIST, case_id, version=1)  # the clinician's
    reporting.release_report(uow, CLINICIAN, case_id, version=1)
    after = report_state(uow, CLINICIAN, case_id)

    assert before.status == "signed" and "awaiting release" in before.words
    assert after.status == "released" and after.released_by == "clara, clinician"


def test_a_laboratory_may_give_release_to_the_pathologist(uow: UnitOfWork, case_id: int) -> None:
    reporting.save_draft(uow, PATHOLOGIST, case_id, {"conclusion": "x"})
    reporting.sign_report(uow, PATHOLOGIST, case_id, confirm_warnings=True)

    with pytest.raises(PermissionDenied):
        reporting.release_report(uow, CLINICIAN, case_id, version=1, releaser=Role.PATHOLOGIST)
    number = reporting.release_report(
        uow, PATHOLOGIST, case_id, version=1, releaser=Role.PATHOLOGIST
    )

    assert number == 1


def test_signing_asks_for_the_current_password(uow_factory: UnitOfWorkFactory) -> None:
    from marrowscope.db.auth_tables import SqlKeymapStore, SqlSessionStore, SqlUserStore
    from marrowscope.db.counter_tables import SqlSlideCountStore
    from marrowscope.services.account_stores import AccountStores
    from marrowscope.services.accounts import ensure_demo_users

    stores = AccountStores(SqlUserStore, SqlSessionStore, SqlKeymapStore, SqlSlideCountStore)
    with uow_factory() as uow:
        demo = seed_demo_case(uow)
        ensure_demo_users(
            uow, stores, demo_patient_id=demo.patient_id, other_patient_id=demo.other_patient_id
        )
        uow.commit()
        found = uow.bind(stores.users).by_username("pathologist")
    assert found is not None
    throttle = LoginThrottle()

    confirm_password(uow_factory, stores, throttle, found[0], "pathologist-demo")
    with pytest.raises(AuthenticationFailed, match="password"):
        confirm_password(uow_factory, stores, throttle, found[0], "wrong-password")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_every_pdf_page_names_the_patient_and_its_number(
    uow: UnitOfWork, case_id: int, tmp_path: Path
) -> None:
    long_text = "Dysplastic features described at length. " * 120
    reporting.save_draft(
        uow, PATHOLOGIST, case_id, {"conclusion": "consistent with MDS", "comment": long_text},
        counts=demo_counts().as_dict(),
    )  # fmt: skip
    pdf = reporting.report_pdf(uow, PATHOLOGIST, case_id, letterhead=("City Haematology Lab",))
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)

    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = [p for p in text.split("\f") if p.strip()]

    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
        assert "Daniel Demo · MRN DEMO-0001 · born" in page
        assert "City Haematology Lab" in page
    assert "Reference ranges:" in text and "non-erythroid" in text
    assert "series subtotal" in text and "Adequacy:" in text
