"""AI pre-classification: the model proposes, a person decides, decided cells are counted.

Real SQLite (and PostgreSQL where configured), the real ONNX model and real cell
images from ``../shared/data``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from marrowscope.ai.cell_review import ModelCellReviewer
from marrowscope.ai.infer import default_model_path
from marrowscope.bootstrap import build_account_services, build_review_stores, get_settings
from marrowscope.domain.ai_review import CallState
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.counting.slide_counts import CountStatus
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import (
    Conflict,
    EmptyCount,
    ImmutableRecord,
    InvalidInput,
    NotAllowed,
    PermissionDenied,
    UnknownCellCode,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import ai_review as review
from marrowscope.services import counting
from marrowscope.services.cases import open_case, register_patient
from marrowscope.services.unit_of_work import UnitOfWorkFactory

MORPHOLOGIST = Actor("mo.rph", Role.MORPHOLOGIST)
PATHOLOGIST = Actor("dr.path", Role.PATHOLOGIST)


@pytest.fixture(scope="module")
def reviewer() -> ModelCellReviewer:
    """The shipped model (or ``MARROWSCOPE_MODEL_DIR``), on one thread."""
    model_dir = get_settings().model_dir
    if not default_model_path(model_dir).is_file():
        pytest.skip("no model shipped in this checkout yet (src/marrowscope/ai/models)")
    return ModelCellReviewer.load(model_dir, threads=1)


@pytest.fixture
def stores(uow_factory: UnitOfWorkFactory) -> review.ReviewStores:
    return build_review_stores(build_account_services(uow_factory))


@pytest.fixture
def case_id(uow_factory: UnitOfWorkFactory) -> int:
    clerk = Actor("dr.clara", Role.CLINICIAN)
    with uow_factory() as uow:
        patient = register_patient(
            uow, clerk, mrn="AIR-1", family_name="Review", given_name="Rita",
            birth_date=date(1960, 5, 1), sex="female",
        )  # fmt: skip
        return open_case(uow, clerk, patient.id).id


def _images(shared_data: Path, *names: str) -> list[review.UploadedImage]:
    folder = shared_data / "matek_samples"
    return [review.UploadedImage(n, (folder / n).read_bytes()) for n in names]


def _pbc(shared_data: Path, folder: str, n: int) -> list[review.UploadedImage]:
    paths = sorted((shared_data / "pbc" / folder).glob("*.jpg"))[:n]
    return [review.UploadedImage(p.name, p.read_bytes()) for p in paths]


@pytest.fixture
def imported(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    reviewer: ModelCellReviewer,
    case_id: int,
    shared_data: Path,
) -> Iterator[review.ImportResult]:
    images = [
        *_pbc(shared_data, "eosinophil", 3),
        *_images(shared_data, "ART_00009.jpg", "BLA_00009.jpg"),
    ]
    with uow_factory() as uow:
        yield review.import_images(uow, stores, reviewer, MORPHOLOGIST, case_id, "AI 1", images)


def test_each_uploaded_cell_keeps_the_models_call_name_and_version(
    imported: review.ImportResult, reviewer: ModelCellReviewer
) -> None:
    """Code, confidence, top three, review flag, model name and weights digest are stored."""
    calls = imported.calls

    assert len(calls) == 5 and imported.errors == ()
    for call in calls:
        assert call.state is CallState.PROPOSED and call.final_code is None
        assert call.model.code.value in reviewer.codes
        assert 0 < call.model.confidence <= 1
        assert [c for c, _ in call.model.top3][0] is call.model.code
        assert call.model.model_name == reviewer.model_name
        assert call.model.model_version.startswith("sha256:")
        assert call.proposed_by == MORPHOLOGIST.username and len(call.image_sha256) == 64
    assert [c.model.code for c in calls[:3]] == [CellClass.EOS] * 3


def test_the_artefact_is_marked_for_review_and_the_model_cannot_say_blast(
    imported: review.ImportResult,
) -> None:
    """The artefact reaches a person; a blast gets one of the model's own codes."""
    artefact, blast = imported.calls[3], imported.calls[4]

    assert artefact.model.review and artefact.model.reason
    assert blast.model.code is not CellClass.BLA


def test_proposals_are_audited_with_the_models_call(
    uow_factory: UnitOfWorkFactory, imported: review.ImportResult, case_id: int
) -> None:
    """Every proposal writes who uploaded it and what the model said."""
    with uow_factory() as uow:
        entries = [e for e in uow.audit.for_case(case_id) if e.entity == "ai_cell_call"]

    assert len(entries) == 5
    first = entries[0]
    assert first.action is AuditAction.CREATE and first.actor.username == MORPHOLOGIST.username
    fields = {name: c.new for name, c in first.changes.items()}
    assert fields["model_code"] == "EOS" and fields["model_version"].startswith("sha256:")


def test_confirm_change_and_reject_record_who_and_what(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    imported: review.ImportResult,
    case_id: int,
    clock: object,
) -> None:
    """Choosing the model's code confirms, another code corrects, no code rejects."""
    eos, _, _, artefact, blast = imported.calls

    with uow_factory() as uow:
        confirmed = review.decide_cell(uow, stores, MORPHOLOGIST, eos.id, "EOS")
        corrected = review.decide_cell(uow, stores, PATHOLOGIST, blast.id, "BLA")
        rejected = review.decide_cell(uow, stores, MORPHOLOGIST, artefact.id, None)
        log = list(uow.audit.for_entity("ai_cell_call", str(blast.id)))

    assert confirmed.state is CallState.CONFIRMED and confirmed.final_code is CellClass.EOS
    assert corrected.state is CallState.CORRECTED and corrected.final_code is CellClass.BLA
    assert corrected.model.code is blast.model.code  # the model's call is never overwritten
    assert corrected.decided_by == "dr.path" and corrected.decided_at is not None
    assert rejected.state is CallState.REJECTED and rejected.final_code is None
    change = {name: (c.old, c.new) for name, c in log[-1].changes.items()}
    assert log[-1].action is AuditAction.TRANSITION and log[-1].actor.role is Role.PATHOLOGIST
    assert change["state"] == ("proposed", "corrected")
    assert change["final_code"] == (None, "BLA")


def test_only_morphologists_and_pathologists_may_decide(
    uow_factory: UnitOfWorkFactory, stores: review.ReviewStores, imported: review.ImportResult
) -> None:
    """A lab scientist, a clinician or a patient cannot confirm a cell."""
    call = imported.calls[0]

    for role in (Role.LAB_SCIENTIST, Role.CLINICIAN, Role.PATIENT, Role.ADMIN):
        with uow_factory() as uow, pytest.raises(PermissionDenied):
            review.decide_cell(uow, stores, Actor("x", role, 1), call.id, "EOS")


def test_an_unknown_code_is_refused_and_changes_nothing(
    uow_factory: UnitOfWorkFactory, stores: review.ReviewStores, imported: review.ImportResult
) -> None:
    """A typo in the code is an error naming the code; the cell stays proposed."""
    call = imported.calls[0]

    with uow_factory() as uow, pytest.raises(UnknownCellCode):
        review.decide_cell(uow, stores, MORPHOLOGIST, call.id, "XYZ")
    with uow_factory() as uow:
        again = review.calls_for_case(uow, stores, MORPHOLOGIST, call.case_id)[0]

    assert again.state is CallState.PROPOSED


def test_a_slide_with_undecided_cells_is_never_counted(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    imported: review.ImportResult,
    case_id: int,
) -> None:
    """Confirming the unflagged cells leaves the flagged ones waiting; counting refuses."""
    with uow_factory() as uow:
        confirmed = review.confirm_unflagged(uow, stores, MORPHOLOGIST, case_id, "AI 1")
        calls = review.calls_for_case(uow, stores, MORPHOLOGIST, case_id)
        with pytest.raises(NotAllowed, match="marked for review"):
            review.count_slide(uow, stores, MORPHOLOGIST, case_id, "AI 1")
        slides = counting.counts_for_case(uow, stores.accounts, MORPHOLOGIST, case_id)

    flagged = [c for c in calls if c.model.review]
    assert flagged, "the artefact at least is flagged"
    assert confirmed.confirmed == len(calls) - len(flagged)
    assert confirmed.left == len(flagged) and f"{confirmed.left} left for a person" in (
        confirmed.message
    )
    assert all(c.state is CallState.PROPOSED for c in flagged)
    assert slides == []


def test_decided_cells_become_a_saved_slide_count_in_the_differential(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    imported: review.ImportResult,
    case_id: int,
) -> None:
    """Confirmed and corrected cells are counted per final code; rejected ones are not."""
    eos1, eos2, eos3, artefact, blast = imported.calls
    with uow_factory() as uow:
        for call in (eos1, eos2):
            review.decide_cell(uow, stores, MORPHOLOGIST, call.id, "EOS")
        review.decide_cell(uow, stores, MORPHOLOGIST, eos3.id, "NGS")
        review.decide_cell(uow, stores, MORPHOLOGIST, artefact.id, None)
        review.decide_cell(uow, stores, MORPHOLOGIST, blast.id, "BLA")

        count = review.count_slide(uow, stores, MORPHOLOGIST, case_id, "AI 1")
        calls = review.calls_for_case(uow, stores, MORPHOLOGIST, case_id)
        slides = counting.counts_for_case(uow, stores.accounts, MORPHOLOGIST, case_id)

    assert count.status is CountStatus.SAVED and count.slide_label == "AI 1"
    assert dict(count.counts) == {CellClass.EOS: 2, CellClass.NGS: 1, CellClass.BLA: 1}
    assert count.target == 4 and [s.id for s in slides] == [count.id]
    assert counting.summarise(counting.merged_counts(slides)).nucleated_cells == 4
    assert {c.slide_count_id for c in calls if c.state is not CallState.REJECTED} == {count.id}
    assert artefact.id in {c.id for c in calls if c.slide_count_id is None}


def test_counted_cells_are_frozen_and_the_slide_cannot_be_counted_twice(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    imported: review.ImportResult,
    case_id: int,
    shared_data: Path,
    reviewer: ModelCellReviewer,
) -> None:
    """After counting, a decision or a second count would disagree with the saved count."""
    with uow_factory() as uow:
        for call in imported.calls:
            review.decide_cell(uow, stores, MORPHOLOGIST, call.id, "LYT")
        review.count_slide(uow, stores, MORPHOLOGIST, case_id, "AI 1")

        with pytest.raises(ImmutableRecord):
            review.decide_cell(uow, stores, MORPHOLOGIST, imported.calls[0].id, "EOS")
        with pytest.raises(Conflict):
            review.count_slide(uow, stores, MORPHOLOGIST, case_id, "AI 1")
        with pytest.raises(Conflict, match="already counted"):
            review.import_images(
                uow, stores, reviewer, MORPHOLOGIST, case_id, "AI 1",
                _pbc(shared_data, "lymphocyte", 1),
            )  # fmt: skip


def test_a_slide_of_only_platelets_and_rejects_is_an_empty_count(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    reviewer: ModelCellReviewer,
    case_id: int,
    shared_data: Path,
) -> None:
    """Platelets do not enter the nucleated differential: nothing to count."""
    with uow_factory() as uow:
        result = review.import_images(
            uow, stores, reviewer, MORPHOLOGIST, case_id, "PLT only",
            _pbc(shared_data, "platelet", 2),
        )  # fmt: skip
        for call in result.calls:
            review.decide_cell(uow, stores, MORPHOLOGIST, call.id, "PLT")

        with pytest.raises(EmptyCount):
            review.count_slide(uow, stores, MORPHOLOGIST, case_id, "PLT only")


def test_corrupt_and_repeated_files_are_refused_and_the_rest_is_stored(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    reviewer: ModelCellReviewer,
    case_id: int,
    shared_data: Path,
) -> None:
    """A broken file and a second copy of an image get a reason each; good ones go in."""
    [good] = _images(shared_data, "EOS_00009.jpg")
    broken = review.UploadedImage("broken.jpg", b"\xff\xd8\xff not a jpeg")

    with uow_factory() as uow:
        result = review.import_images(
            uow, stores, reviewer, MORPHOLOGIST, case_id, "S1", [good, broken, good]
        )

    assert [c.image_name for c in result.calls] == ["EOS_00009.jpg"]
    reasons = dict(result.errors)
    assert "not a readable image" in reasons["broken.jpg"]
    assert "already uploaded" in reasons["EOS_00009.jpg"]


def test_an_upload_needs_a_slide_label_and_images(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    reviewer: ModelCellReviewer,
    case_id: int,
    shared_data: Path,
) -> None:
    """Bad input is named; nothing is stored."""
    images = _images(shared_data, "EOS_00009.jpg")

    with uow_factory() as uow:
        with pytest.raises(InvalidInput, match="slide label"):
            review.import_images(uow, stores, reviewer, MORPHOLOGIST, case_id, " ", images)
        with pytest.raises(InvalidInput, match="no images"):
            review.import_images(uow, stores, reviewer, MORPHOLOGIST, case_id, "S1", [])
        assert review.calls_for_case(uow, stores, MORPHOLOGIST, case_id) == []


def test_an_empty_count_left_by_a_failed_attempt_is_reused(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    imported: review.ImportResult,
    case_id: int,
) -> None:
    """open_slide commits on its own: an empty count it left behind does not block a retry."""
    with uow_factory() as uow:
        for call in imported.calls:
            review.decide_cell(uow, stores, MORPHOLOGIST, call.id, "NGS")
        left = counting.open_slide(uow, stores.accounts, MORPHOLOGIST, case_id, "AI 1", 5)

        count = review.count_slide(uow, stores, MORPHOLOGIST, case_id, "AI 1")

    assert count.id == left.id and dict(count.counts) == {CellClass.NGS: 5}


def test_a_slide_count_of_someone_else_with_the_same_label_is_not_taken_over(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    imported: review.ImportResult,
    case_id: int,
) -> None:
    """A hand count under the same label stays untouched; the AI slide needs another label."""
    with uow_factory() as uow:
        for call in imported.calls:
            review.decide_cell(uow, stores, MORPHOLOGIST, call.id, "NGS")
        counting.open_slide(uow, stores.accounts, PATHOLOGIST, case_id, "AI 1")

        with pytest.raises(Conflict, match="already exists"):
            review.count_slide(uow, stores, MORPHOLOGIST, case_id, "AI 1")


def test_a_counted_cell_changes_only_with_a_reason_and_its_count_follows(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    imported: review.ImportResult,
    case_id: int,
) -> None:
    """Re-deciding a counted cell corrects the saved count in the same transaction."""
    eos1, eos2, eos3, artefact, blast = imported.calls
    with uow_factory() as uow:
        for call in (eos1, eos2, eos3):
            review.decide_cell(uow, stores, MORPHOLOGIST, call.id, "EOS")
        review.decide_cell(uow, stores, MORPHOLOGIST, artefact.id, None)
        review.decide_cell(uow, stores, MORPHOLOGIST, blast.id, "BLA")
        count = review.count_slide(uow, stores, MORPHOLOGIST, case_id, "AI 1")

        with pytest.raises(InvalidInput, match="reason"):
            review.change_counted_cell(uow, stores, MORPHOLOGIST, eos3.id, "NGS", "  ")
        changed = review.change_counted_cell(
            uow, stores, PATHOLOGIST, eos3.id, "NGS", "second opinion: segmented neutrophil"
        )
        calls = review.calls_for_case(uow, stores, MORPHOLOGIST, case_id)
        slides = counting.counts_for_case(uow, stores.accounts, MORPHOLOGIST, case_id)
        audit = [e for e in uow.audit.for_case(case_id) if e.action is AuditAction.SUPERSEDE]

    assert changed.final_code is CellClass.NGS and changed.slide_count_id == count.id
    assert changed.decided_by == PATHOLOGIST.username
    (saved,) = slides
    assert dict(saved.counts) == {CellClass.EOS: 2, CellClass.NGS: 1, CellClass.BLA: 1}
    # the cells and the count never disagree: recount the cells another way
    from_cells: dict[CellClass, int] = {}
    for c in calls:
        if c.slide_count_id == saved.id and c.final_code is not None:
            from_cells[c.final_code] = from_cells.get(c.final_code, 0) + 1
    assert from_cells == dict(saved.counts)
    assert {e.entity for e in audit} >= {"ai_cell_call", "slide_count"}


def test_a_cell_not_yet_counted_is_not_changed_through_the_recount(
    uow_factory: UnitOfWorkFactory, stores: review.ReviewStores, imported: review.ImportResult
) -> None:
    with uow_factory() as uow, pytest.raises(NotAllowed, match="not counted"):
        review.change_counted_cell(uow, stores, MORPHOLOGIST, imported.calls[0].id, "NGS", "typo")


def test_reviewed_cells_export_only_what_a_person_classed(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    imported: review.ImportResult,
    case_id: int,
) -> None:
    eos1, eos2, eos3, artefact, blast = imported.calls
    with uow_factory() as uow:
        review.decide_cell(uow, stores, MORPHOLOGIST, eos1.id, "EOS")
        review.decide_cell(uow, stores, MORPHOLOGIST, eos2.id, "NGS")
        review.decide_cell(uow, stores, MORPHOLOGIST, artefact.id, None)
        cells = review.reviewed_cells(uow, stores, MORPHOLOGIST)
        audit = list(uow.audit.for_entity("ai_reviewed_cells", "export"))

    assert [(c.cell_id, c.final_code, c.model_code) for c in cells] == [
        (eos1.id, "EOS", eos1.model.code.value),
        (eos2.id, "NGS", eos2.model.code.value),
    ]
    assert all(c.image[:2] == b"\xff\xd8" and c.decided_by == MORPHOLOGIST.username for c in cells)
    with uow_factory() as uow, pytest.raises(PermissionDenied):
        review.reviewed_cells(uow, stores, Actor("nurse", Role.NURSE))
    (entry,) = audit
    assert {name: c.new for name, c in entry.changes.items()}["cells"] == 2
