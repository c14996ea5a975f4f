"""AI pre-classification through the JSON API only (issue 18 section 6), with real images:
upload cells, list the model's calls, decide each, count the slide into the differential.

Each proposal, decision and the count leave their audit rows, as the review pages' do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marrowscope.ai.infer import default_model_path
from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.web.app import create_app

from .api_support import AuditLog, api_session

LABEL = "API AI slide"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds, AuditLog]]:
    folder: Path = tmp_path_factory.mktemp("api_review")
    settings = Settings(database_url=f"sqlite:///{folder / 'review.db'}")
    if not default_model_path(settings.model_dir).is_file():
        pytest.skip("no model shipped in this checkout (src/marrowscope/ai/models)")
    ids = prepare_demo(settings)
    audit = AuditLog(settings.database_url)
    audit.skip()
    with TestClient(create_app(settings)) as client:
        yield client, ids, audit


def _files(shared_data: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    eos = sorted((shared_data / "pbc" / "eosinophil").glob("*.jpg"))[:3]
    files = [("images", (p.name, p.read_bytes(), "image/jpeg")) for p in eos]
    files.append(("images", ("notes.txt", b"not an image at all", "text/plain")))
    return files


def test_cells_are_uploaded_decided_and_counted(
    web: tuple[TestClient, DemoIds, AuditLog], shared_data: Path
) -> None:
    client, ids, audit = web
    morphologist = api_session(client, "morphologist")

    uploaded = client.post(
        f"/api/cases/{ids.case_id}/ai/images",
        data={"slide_label": LABEL},
        files=_files(shared_data),
        headers=morphologist,
    )
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert len(body["cells"]) == 3 and [r["name"] for r in body["refused"]] == ["notes.txt"]
    assert all(c["state"] == "proposed" for c in body["cells"])
    proposals = audit.new_rows()
    assert len([r for r in proposals if r[2] == "morphologist"]) >= 3, proposals

    listed = client.get(f"/api/cases/{ids.case_id}/ai/cells", params={"slide": LABEL}).json()
    [progress] = [p for p in listed["slides"] if p["slide_label"] == LABEL]
    assert progress["total"] == 3 and progress["proposed"] == 3
    first, second, third = (c["id"] for c in listed["cells"])

    early = client.post(
        f"/api/cases/{ids.case_id}/ai/count", json={"slide_label": LABEL}, headers=morphologist
    )
    no_code = client.post(
        f"/api/cells/{second}/decision", json={"action": "change"}, headers=morphologist
    )
    unknown = client.post(
        f"/api/cells/{second}/decision", json={"action": "guess"}, headers=morphologist
    )
    assert early.status_code == 409 and "decision" in early.json()["detail"]
    assert no_code.status_code == 422 and unknown.status_code == 422
    assert audit.new_rows() == []

    confirmed = client.post(
        f"/api/cells/{first}/decision", json={"action": "confirm"}, headers=morphologist
    )
    changed = client.post(
        f"/api/cells/{second}/decision",
        json={"action": "change", "code": "BAS"},
        headers=morphologist,
    )
    rejected = client.post(
        f"/api/cells/{third}/decision", json={"action": "reject"}, headers=morphologist
    )
    assert confirmed.json()["state"] == "confirmed"
    assert confirmed.json()["final_code"] == confirmed.json()["model"]["code"]
    assert (changed.json()["state"], changed.json()["final_code"]) == ("corrected", "BAS")
    assert rejected.json()["state"] == "rejected" and rejected.json()["final_code"] is None
    decisions = audit.new_rows()
    assert len(decisions) >= 3 and {u for _, _, u in decisions} == {"morphologist"}

    nothing_left = client.post(
        f"/api/cases/{ids.case_id}/ai/confirm-unflagged",
        json={"slide_label": LABEL},
        headers=morphologist,
    )
    counted = client.post(
        f"/api/cases/{ids.case_id}/ai/count", json={"slide_label": LABEL}, headers=morphologist
    )
    assert nothing_left.status_code == 200
    assert (nothing_left.json()["confirmed"], nothing_left.json()["left"]) == (0, 0)
    assert counted.status_code == 201, counted.text
    assert counted.json()["slide_label"] == LABEL and counted.json()["status"] == "saved"
    assert sum(counted.json()["counts"].values()) == 2  # the rejected image is left out
    assert any(e == "slide_count" for e, _, _ in audit.new_rows())

    unexplained = client.post(
        f"/api/cells/{second}/recount", json={"code": "EOS", "reason": ""}, headers=morphologist
    )
    recounted = client.post(
        f"/api/cells/{second}/recount",
        json={"code": "EOS", "reason": "granules are eosinophilic"},
        headers=morphologist,
    )
    assert unexplained.status_code == 422, unexplained.text
    assert recounted.status_code == 200 and recounted.json()["final_code"] == "EOS"
    assert ("ai_cell_call", "supersede", "morphologist") in audit.new_rows()


def test_a_lab_scientist_cannot_decide_a_cell(web: tuple[TestClient, DemoIds, AuditLog]) -> None:
    client, ids, _ = web
    lab = api_session(client, "lab")

    listed = client.get(f"/api/cases/{ids.case_id}/ai/cells")
    decided = client.post("/api/cells/1/decision", json={"action": "reject"}, headers=lab)

    assert listed.status_code == 403 and decided.status_code == 403
