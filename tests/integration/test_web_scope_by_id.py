"""Routes named by a count, a cell, a test or a specimen id reach a case without naming it
(docs/access.md); the case's rule applies to them too, where the services find the
count, cell, test or specimen. Laboratory staff whose units do not hold the laboratory
are refused on each such route (nothing is written) and offered break-glass for the
case; a grant opens those routes; staff of the laboratory are let through."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_engine,
    build_review_stores,
    build_uow_factory,
    get_settings,
    prepare_demo,
)
from marrowscope.domain.lab import TestState
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import ai_review as review
from marrowscope.services import cases, counting
from marrowscope.web.app import create_app
from tests.integration.api_support import api_session

PROCESS = Actor("mo.batch", Role.MORPHOLOGIST)  # a command: not scoped
REASON = "covering the haematology bench tonight, urgent film review"
CANCEL = {"state": "cancelled", "reason": "duplicate request from the ward"}


@dataclass
class Site:
    client: TestClient
    case_id: int
    count_id: int
    test_id: int  # a test of the demo case still in process (it may be cancelled)
    test_state: TestState
    specimen_id: int
    url: str


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path / 'byid.db'}"
    settings = Settings(database_url=url)
    ids = prepare_demo(settings)
    factory = build_uow_factory(build_engine(settings), None, settings)
    stores = build_account_services(factory, settings).stores
    with factory() as uow:
        count = counting.open_slide(uow, stores, PROCESS, ids.case_id, "S-byid")
        received = [
            t for t in uow.pathway.tests_for_case(ids.case_id) if t.state is TestState.IN_PROCESS
        ]
        specimen = uow.pathway.specimens(ids.case_id)[0]
        users = {u.username: u.id for u in _accounts(uow, stores)}
        # the demo's laboratory staff now work on a ward only: the demo case is not theirs
        for name in ("lab", "morphologist"):
            cases.set_units(uow, None, users[name], ["HAEM"])
    assert received, "the demo case holds a test in process"
    with TestClient(create_app(settings)) as client:
        yield Site(
            client, ids.case_id, count.id, received[0].id, received[0].state, specimen.id, url
        )


def _accounts(uow: object, stores: object) -> list[object]:
    from marrowscope.services.accounts import list_users

    return list(list_users(uow, stores, Actor("installer", Role.ADMIN)))  # type: ignore[arg-type]


def _state_of(site: Site) -> TestState:
    settings = Settings(database_url=site.url)
    factory = build_uow_factory(build_engine(settings), None, settings)
    with factory() as uow:
        test = uow.pathway.get_test(site.test_id)
    assert test is not None
    return test.state


def test_a_lab_test_and_a_label_are_refused_by_id_until_break_glass(site: Site) -> None:
    client = site.client
    headers = api_session(client, "lab")

    moved = client.post(f"/api/lab/tests/{site.test_id}/state", json=CANCEL, headers=headers)
    label = client.get(f"/nursing/specimens/{site.specimen_id}/label.svg")
    state_after_refusal = _state_of(site)
    granted = client.post(
        f"/api/cases/{site.case_id}/break-glass", json={"reason": REASON}, headers=headers
    )
    moved_again = client.post(f"/api/lab/tests/{site.test_id}/state", json=CANCEL, headers=headers)

    assert moved.status_code == 403, moved.text
    assert moved.json()["break_glass"] == f"/api/cases/{site.case_id}/break-glass"
    assert label.status_code == 403
    assert state_after_refusal is site.test_state
    assert granted.status_code == 201
    assert moved_again.status_code == 200, moved_again.text
    assert _state_of(site) is TestState.CANCELLED


def test_a_count_is_refused_by_id_on_its_page_json_and_draft_save(site: Site) -> None:
    client = site.client
    headers = api_session(client, "morphologist")

    page = client.get(f"/counter/counts/{site.count_id}")
    read = client.get(f"/api/counts/{site.count_id}")
    draft = client.post(
        f"/api/counts/{site.count_id}/state",
        json={"version": 1, "counts": {"BLA": 3}},
        headers=headers,
    )
    api_session(client, "pathologist")  # the laboratory's: the demo case is theirs
    read_by_lab = client.get(f"/api/counts/{site.count_id}")

    assert page.status_code == 403 and 'id="break-glass-form"' in page.text
    assert read.status_code == 403 and read.json()["break_glass"].endswith("/break-glass")
    assert draft.status_code == 403, draft.text
    assert read_by_lab.status_code == 200
    assert read_by_lab.json()["counts"] == {} or sum(read_by_lab.json()["counts"].values()) == 0


def test_a_cell_is_refused_by_id_to_a_reviewer_outside_the_laboratory(
    site: Site, shared_data: Path
) -> None:
    from marrowscope.ai.cell_review import ModelCellReviewer
    from marrowscope.ai.infer import default_model_path

    model_dir = get_settings().model_dir
    if not default_model_path(model_dir).is_file():
        pytest.skip("no model shipped in this checkout")
    settings = Settings(database_url=site.url)
    factory = build_uow_factory(build_engine(settings), None, settings)
    stores = build_review_stores(build_account_services(factory, settings))
    image = shared_data / "matek_samples" / "BLA_00009.jpg"
    with factory() as uow:
        imported = review.import_images(
            uow, stores, ModelCellReviewer.load(model_dir, threads=1), PROCESS, site.case_id,
            "AI byid", [review.UploadedImage(image.name, image.read_bytes())],
        )  # fmt: skip
    cell = imported.calls[0].id
    client = site.client
    headers = api_session(client, "morphologist")

    thumbnail = client.get(f"/review/cells/{cell}/thumbnail")
    decided = client.post(f"/api/cells/{cell}/decision", json={"action": "reject"}, headers=headers)
    api_session(client, "pathologist")
    thumbnail_by_lab = client.get(f"/review/cells/{cell}/thumbnail")

    assert thumbnail.status_code == 403
    assert decided.status_code == 403, decided.text
    assert thumbnail_by_lab.status_code == 200
    assert thumbnail_by_lab.headers["content-type"].startswith("image/")
