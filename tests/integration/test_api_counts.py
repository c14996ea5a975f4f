"""The differential counter through the JSON API only (issue 18 section 6): open a slide,
save the counter's state, finish, correct the saved count with a reason; keymaps.

Each clinical write leaves its audit row, as the counter pages' do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.web.app import create_app

from .api_support import AuditLog, api_session


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds, AuditLog]]:
    folder: Path = tmp_path_factory.mktemp("api_counts")
    url = f"sqlite:///{folder / 'counts.db'}"
    ids = prepare_demo(Settings(database_url=url))
    audit = AuditLog(url)
    audit.skip()
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client, ids, audit


def test_a_slide_is_opened_counted_finished_and_corrected(
    web: tuple[TestClient, DemoIds, AuditLog],
) -> None:
    client, ids, audit = web
    morphologist = api_session(client, "morphologist")

    opened = client.post(
        f"/api/cases/{ids.case_id}/slides",
        json={"slide_label": "API slide 1", "target": 200},
        headers=morphologist,
    )
    twice = client.post(
        f"/api/cases/{ids.case_id}/slides",
        json={"slide_label": "API slide 1"},
        headers=morphologist,
    )
    assert opened.status_code == 201, opened.text
    assert (opened.json()["target"], opened.json()["status"]) == (200, "counting")
    assert twice.status_code == 409 and "already being counted" in twice.json()["detail"]
    count_id = opened.json()["id"]
    assert ("slide_count", "create", "morphologist") in audit.new_rows()

    saved = client.post(
        f"/api/counts/{count_id}/state",
        json={"version": 3, "counts": {"BLA": 2, "NGS": 1}},
        headers=morphologist,
    )
    finished = client.post(
        f"/api/counts/{count_id}/finish",
        json={"version": 4, "counts": {"BLA": 2, "NGS": 2}},
        headers=morphologist,
    )
    assert saved.status_code == 200 and saved.json()["counts"] == {"BLA": 2, "NGS": 1}
    assert finished.status_code == 200 and finished.json()["status"] == "saved"
    assert any(e == "slide_count" for e, _, _ in audit.new_rows())

    no_reason = client.post(
        f"/api/counts/{count_id}/edit",
        json={"counts": {"BLA": 1, "NGS": 3}, "reason": " "},
        headers=morphologist,
    )
    negative = client.post(
        f"/api/counts/{count_id}/edit",
        json={"counts": {"BLA": -1}, "reason": "typo"},
        headers=morphologist,
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    assert negative.status_code == 422
    assert audit.new_rows() == []
    pathologist = api_session(client, "pathologist")
    edited = client.post(
        f"/api/counts/{count_id}/edit",
        json={"counts": {"BLA": 1, "NGS": 3}, "reason": "one blast was a promyelocyte"},
        headers=pathologist,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["counts"] == {"BLA": 1, "NGS": 3}
    assert ("slide_count", "supersede", "pathologist") in audit.new_rows()


def test_a_lab_scientist_reads_counts_but_cannot_open_a_slide(
    web: tuple[TestClient, DemoIds, AuditLog],
) -> None:
    client, ids, audit = web
    lab = api_session(client, "lab")
    audit.skip()

    read = client.get(f"/api/cases/{ids.case_id}/counts")
    refused = client.post(
        f"/api/cases/{ids.case_id}/slides", json={"slide_label": "mine"}, headers=lab
    )

    assert read.status_code == 200
    assert refused.status_code == 403 and audit.new_rows() == []


def test_keymaps_are_saved_listed_and_deleted(web: tuple[TestClient, DemoIds, AuditLog]) -> None:
    client, _, _ = web
    morphologist = api_session(client, "morphologist")

    saved = client.post(
        "/api/keymaps",
        json={"name": "left hand", "keys": {"a": "BLA", "s": "NGS"}},
        headers=morphologist,
    )
    bad = client.post(
        "/api/keymaps", json={"name": "odd", "keys": {"a": "NOPE"}}, headers=morphologist
    )
    listed = client.get("/api/keymaps").json()
    deleted = client.post("/api/keymaps/left hand/delete", headers=morphologist)
    gone = client.post("/api/keymaps/left hand/delete", headers=morphologist)

    assert saved.status_code == 200 and saved.json()["keys"] == {"a": "BLA", "s": "NGS"}
    assert bad.status_code == 422
    assert [k["name"] for k in listed] == ["default", "left hand"]
    assert deleted.status_code == 200 and gone.status_code == 404
