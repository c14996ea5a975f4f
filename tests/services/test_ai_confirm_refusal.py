"""The server refuses to confirm a model's call that is no proposal; a person's class is kept.

Real SQLite through the review services. The cells are stored as the upload stores
them, with the flags the model gives (unfamiliar, marked for review) and, for field
cells, the detector's origin, so that each rule of ``domain.ai_review.confirming`` is
met on a record: a slide where the model abstains, an unfamiliar cell, a cell that
contradicts the detector, and a cell only marked for a low confidence.
"""

from __future__ import annotations

from datetime import date

import pytest

from marrowscope.bootstrap import build_account_services, build_review_stores
from marrowscope.domain.ai_review import CallState, FieldOrigin, ModelCall, slide_shift
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import NotAllowed
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import ai_review as review
from marrowscope.services.cases import open_case, register_patient
from marrowscope.services.unit_of_work import UnitOfWorkFactory

MORPHOLOGIST = Actor("mo.rph", Role.MORPHOLOGIST)
ORIGIN = FieldOrigin("f.jpg", "0" * 64, (0, 0, 40, 40), "cellfinder320", "sha256:y", 0.9)


def _model(code: CellClass, *, unfamiliar: bool = False, review_: bool = False) -> ModelCall:
    reason = "unlike the training images" if unfamiliar else ("low confidence" if review_ else "")
    return ModelCall(
        code, 0.97, ((code, 0.97),), review_ or unfamiliar, reason, "cellnet80d", "sha256:x",
        unfamiliar=unfamiliar,
    )  # fmt: skip


@pytest.fixture
def stores(uow_factory: UnitOfWorkFactory) -> review.ReviewStores:
    return build_review_stores(build_account_services(uow_factory))


@pytest.fixture
def case_id(uow_factory: UnitOfWorkFactory) -> int:
    clerk = Actor("dr.clara", Role.CLINICIAN)
    with uow_factory() as uow:
        patient = register_patient(
            uow, clerk, mrn="CONF-1", family_name="Confirm", given_name="Cora",
            birth_date=date(1970, 1, 1), sex="female",
        )  # fmt: skip
        return open_case(uow, clerk, patient.id).id


def _store(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    case_id: int,
    label: str,
    models: list[ModelCall],
    origin: FieldOrigin | None = None,
) -> list[int]:
    with uow_factory() as uow:
        store = uow.bind(stores.calls)
        ids = [
            store.add(
                case_id, label, f"{label} {i}", f"{label}{i}".ljust(64, "0"), b"\xff\xd8",
                model, by="mo.rph", at=uow.now(), origin=origin, context=None,
            ).id
            for i, model in enumerate(models)
        ]  # fmt: skip
        uow.commit()
    return ids


def _act(
    uow_factory: UnitOfWorkFactory,
    stores: review.ReviewStores,
    call_id: int,
    action: str,
    code: str = "",
) -> review.CellCall:
    with uow_factory() as uow:
        return review.decide_action(uow, stores, MORPHOLOGIST, call_id, action, code)


def _audited(uow_factory: UnitOfWorkFactory, case_id: int, call_id: int) -> list[dict[str, object]]:
    with uow_factory() as uow:
        entries = uow.audit.for_case(case_id)
    return [
        {name: c.new for name, c in e.changes.items()}
        for e in entries
        if e.entity == "ai_cell_call" and e.entity_id == str(call_id) and "state" in e.changes
    ]


def test_on_an_abstained_slide_confirm_is_refused_and_a_chosen_class_is_kept(
    uow_factory: UnitOfWorkFactory, stores: review.ReviewStores, case_id: int
) -> None:
    """3 unfamiliar crops of 5: the model abstains; even its familiar calls are no proposal."""
    models = [_model(CellClass.EOS, unfamiliar=True)] * 3 + [_model(CellClass.NGS)] * 2
    ids = _store(uow_factory, stores, case_id, "foreign", models)
    with uow_factory() as uow:
        assert slide_shift("foreign", review.calls_for_case(uow, stores, MORPHOLOGIST, case_id))

    for call_id in (ids[0], ids[3]):
        with pytest.raises(NotAllowed, match="the model abstained on this slide: choose the class"):
            _act(uow_factory, stores, call_id, "confirm")
    assert _audited(uow_factory, case_id, ids[3]) == []

    chosen = _act(uow_factory, stores, ids[3], "change", "NGS")  # the model's class, chosen
    assert (chosen.state, chosen.final_code) == (CallState.CONFIRMED, CellClass.NGS)
    assert chosen.decided_by == MORPHOLOGIST.username
    [entry] = _audited(uow_factory, case_id, ids[3])
    assert entry["confirmed_model_call"] is False and entry["final_code"] == "NGS"

    with uow_factory() as uow:
        bulk = review.confirm_unflagged(uow, stores, MORPHOLOGIST, case_id, "foreign")
        calls = review.calls_for_case(uow, stores, MORPHOLOGIST, case_id)
    assert (bulk.confirmed, bulk.left) == (0, 4)
    assert "4 cell(s) wait for you to classify" in bulk.message
    assert sum(c.state is CallState.PROPOSED for c in calls) == 4


def test_on_a_familiar_slide_only_unfamiliar_and_contradicting_cells_are_refused(
    uow_factory: UnitOfWorkFactory, stores: review.ReviewStores, case_id: int
) -> None:
    """One odd cell does not make a slide foreign; that cell still needs a person's class."""
    crops = _store(
        uow_factory, stores, case_id, "own",
        [_model(CellClass.LYT, unfamiliar=True), _model(CellClass.MON, review_=True)]
        + [_model(CellClass.NGS)] * 8,
    )  # fmt: skip
    fields = _store(
        uow_factory, stores, case_id, "fields",
        [_model(CellClass.PLT)] + [_model(CellClass.NGS)] * 9, origin=ORIGIN,
    )  # fmt: skip

    with pytest.raises(NotAllowed, match="unlike the images the model was trained on"):
        _act(uow_factory, stores, crops[0], "confirm")
    with pytest.raises(NotAllowed, match="the detector and the classifier disagree"):
        _act(uow_factory, stores, fields[0], "confirm")

    low_confidence = _act(uow_factory, stores, crops[1], "confirm")
    familiar = _act(uow_factory, stores, crops[2], "confirm")
    platelet = _act(uow_factory, stores, fields[0], "change", "PLT")
    assert low_confidence.state is CallState.CONFIRMED and familiar.final_code is CellClass.NGS
    assert (platelet.state, platelet.final_code) == (CallState.CONFIRMED, CellClass.PLT)
    [entry] = _audited(uow_factory, case_id, crops[2])
    assert entry["confirmed_model_call"] is True
    [entry] = _audited(uow_factory, case_id, fields[0])
    assert entry["confirmed_model_call"] is False
