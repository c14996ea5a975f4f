"""Never confidently wrong: contradictions are flagged, Shift+A leaves them, foreign slides abstain.

Real SQLite, the shipped detector and classifier, real TXL-PBC fields: its 360x363
fields are PBC's own laboratory (the classifier's source), its 575x575 fields another
laboratory (Raabin-WBC), where the classifier calls a fifth of the white cells platelets.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from marrowscope.ai.cell_review import ModelCellReviewer
from marrowscope.ai.detection.detector import default_detector_path
from marrowscope.ai.field_cells import DetectorFieldCellFinder
from marrowscope.ai.infer import default_model_path
from marrowscope.bootstrap import build_account_services, build_review_stores, get_settings
from marrowscope.domain.ai_review import (
    EDGE_REASON,
    CallState,
    FieldOrigin,
    ModelCall,
    contradicts_detector,
    cut_by_field_edge,
    needs_person,
    slide_shift,
)
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import ai_review as review
from marrowscope.services.cases import open_case, register_patient
from marrowscope.services.unit_of_work import UnitOfWorkFactory

MORPHOLOGIST = Actor("mo.rph", Role.MORPHOLOGIST)


@pytest.fixture(scope="module")
def models() -> tuple[DetectorFieldCellFinder, ModelCellReviewer]:
    model_dir = get_settings().model_dir
    if not default_model_path(model_dir).is_file() or not default_detector_path().is_file():
        pytest.skip("no classifier or detector shipped in this checkout")
    return DetectorFieldCellFinder(threads=1), ModelCellReviewer.load(model_dir, threads=1)


@pytest.fixture
def stores(uow_factory: UnitOfWorkFactory) -> review.ReviewStores:
    return build_review_stores(build_account_services(uow_factory))


@pytest.fixture
def case_id(uow_factory: UnitOfWorkFactory) -> int:
    clerk = Actor("dr.clara", Role.CLINICIAN)
    with uow_factory() as uow:
        patient = register_patient(
            uow, clerk, mrn="TRUST-1", family_name="Trust", given_name="Tom",
            birth_date=date(1970, 1, 1), sex="male",
        )  # fmt: skip
        return open_case(uow, clerk, patient.id).id


def _fields(shared_data: Path, width: int, n: int) -> list[review.UploadedImage]:
    out = []
    for path in sorted((shared_data / "txl_pbc" / "images" / "val").glob("*.jpg")):
        with Image.open(path) as opened:
            if opened.size[0] != width:
                continue
        out.append(review.UploadedImage(path.name, path.read_bytes()))
        if len(out) == n:
            break
    return out


def _analyse(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    models: tuple[DetectorFieldCellFinder, ModelCellReviewer],
    case_id: int,
    label: str,
    fields: list[review.UploadedImage],
) -> review.FieldAnalysis:
    finder, classifier = models
    with uow_factory() as uow:
        return review.analyze_fields(
            uow, stores, finder, classifier, MORPHOLOGIST, case_id, label, fields
        )


def test_foreign_fields_flag_every_contradiction_and_the_model_abstains(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    models: tuple[DetectorFieldCellFinder, ModelCellReviewer],
    case_id: int,
    shared_data: Path,
) -> None:
    """White cells called platelets are stored, flagged with the reason; Shift+A takes none."""
    result = _analyse(
        uow_factory, stores, models, case_id, "foreign", _fields(shared_data, 575, 20)
    )
    with uow_factory() as uow:
        accepted = review.confirm_unflagged(uow, stores, MORPHOLOGIST, case_id, "foreign")
        calls = review.calls_for_case(uow, stores, MORPHOLOGIST, case_id)

    contradictions = [c for c in result.calls if contradicts_detector(c.model.code)]
    assert contradictions, "Raabin fields give the classifier's platelet mistake"
    assert sum(f.white_cells for f in result.fields) == len(result.calls)  # none dropped
    assert sum(f.contradictions for f in result.fields) == len(contradictions)
    for call in contradictions:
        assert call.model.review and "the detector found a white cell" in call.model.reason
    shift = slide_shift("foreign", calls)
    assert shift is not None and "unlike the images the model was trained on" in shift.reason
    assert (accepted.confirmed, accepted.left) == (0, len(calls))
    assert accepted.abstained and "Nothing accepted" in accepted.message
    assert all(c.state is CallState.PROPOSED for c in calls)


def test_on_the_models_own_laboratory_shift_a_accepts_only_what_needs_no_person(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    models: tuple[DetectorFieldCellFinder, ModelCellReviewer],
    case_id: int,
    shared_data: Path,
) -> None:
    """PBC fields: no abstention; flagged, unfamiliar and contradicting cells wait."""
    _analyse(uow_factory, stores, models, case_id, "own lab", _fields(shared_data, 360, 20))
    with uow_factory() as uow:
        before = review.calls_for_case(uow, stores, MORPHOLOGIST, case_id)
        accepted = review.confirm_unflagged(uow, stores, MORPHOLOGIST, case_id, "own lab")
        after = review.calls_for_case(uow, stores, MORPHOLOGIST, case_id)

    waiting = [c for c in before if needs_person(c)]
    assert slide_shift("own lab", before) is None
    assert accepted.abstained is None and 0 < accepted.confirmed < len(before)
    assert accepted.left == len(waiting)
    assert f"{len(waiting)} left for a person" in accepted.message
    still = {c.id for c in after if c.state is CallState.PROPOSED}
    assert still == {c.id for c in waiting}


def test_an_older_unflagged_platelet_call_on_a_white_cell_is_not_accepted(
    uow_factory: UnitOfWorkFactory, stores: review.ReviewStores, case_id: int
) -> None:
    """A cell stored before the contradiction rule ("PLT 99 %", no flag) still waits."""
    plt = ModelCall(
        CellClass.PLT, 0.99, ((CellClass.PLT, 0.99),), False, "", "cellnet80d", "sha256:x"
    )
    ngs = ModelCall(
        CellClass.NGS, 0.99, ((CellClass.NGS, 0.99),), False, "", "cellnet80d", "sha256:x"
    )
    origin = FieldOrigin("f.jpg", "0" * 64, (0, 0, 40, 40), "cellfinder320", "sha256:y", 0.9)
    with uow_factory() as uow:
        store = uow.bind(stores.calls)
        for i, model in enumerate([plt, ngs, ngs, ngs]):
            store.add(
                case_id, "old", f"cell {i}", f"{i:064d}", b"\xff\xd8", model,
                by="mo.rph", at=uow.now(), origin=origin, context=None,
            )  # fmt: skip
        uow.commit()
    with uow_factory() as uow:
        accepted = review.confirm_unflagged(uow, stores, MORPHOLOGIST, case_id, "old")
        calls = review.calls_for_case(uow, stores, MORPHOLOGIST, case_id)

    assert (accepted.confirmed, accepted.left) == (3, 1)
    (left,) = [c for c in calls if c.state is CallState.PROPOSED]
    assert left.model.code is CellClass.PLT


def test_a_white_cell_cut_by_the_fields_edge_waits_for_a_person(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    models: tuple[DetectorFieldCellFinder, ModelCellReviewer],
    case_id: int,
    shared_data: Path,
) -> None:
    """PBC fields: a cell whose box reaches the edge is marked with the reason, never bulk-taken."""
    result = _analyse(uow_factory, stores, models, case_id, "edges", _fields(shared_data, 360, 60))
    with uow_factory() as uow:
        review.confirm_unflagged(uow, stores, MORPHOLOGIST, case_id, "edges")
        after = {c.id: c for c in review.calls_for_case(uow, stores, MORPHOLOGIST, case_id)}

    cut = [
        c
        for c in result.calls
        if c.origin is not None and cut_by_field_edge(c.origin.box, 360, 363)
    ]
    inside = [c for c in result.calls if c not in cut]
    assert cut and inside, "60 PBC fields have cells at the edge and cells inside"
    for call in cut:
        assert call.model.review and EDGE_REASON in call.model.reason
        assert after[call.id].state is CallState.PROPOSED
    assert all(EDGE_REASON not in c.model.reason for c in inside)
