"""The AI pre-classification pages through the real app on SQLite, with real images.

Sign in as each role, upload cells, decide them (form and JSON), count the slide into
the differential; only morphologists and pathologists decide; a patient gets 403.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marrowscope.ai.infer import default_model_path
from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.domain.roles import Role
from marrowscope.services.accounts import DEMO_USERS
from marrowscope.web.app import create_app

PASSWORDS = {u.username: u.password for u in DEMO_USERS}
USER_OF_ROLE = {u.role: u.username for u in DEMO_USERS if u.username != "patient2"}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds]]:
    settings = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('air') / 'w.db'}")
    if not default_model_path(settings.model_dir).is_file():
        pytest.skip("no model shipped in this checkout yet (src/marrowscope/ai/models)")
    ids = prepare_demo(settings)
    with TestClient(create_app(settings)) as client:
        yield client, ids


def _sign_in(client: TestClient, role: Role) -> str:
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    user = USER_OF_ROLE[role]
    answer = client.post(
        "/login",
        data={"username": user, "password": PASSWORDS[user], "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(client.get("/api/me").json()["csrf_token"])


def _files(shared_data: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    eos = sorted((shared_data / "pbc" / "eosinophil").glob("*.jpg"))[:3]
    art = shared_data / "matek_samples" / "ART_00009.jpg"
    files = [("images", (p.name, p.read_bytes(), "image/jpeg")) for p in [*eos, art]]
    files.append(("images", ("notes.txt", b"not an image at all", "text/plain")))
    return files


def _cell_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="cell-(\d+)"', html)]


def test_a_morphologist_uploads_decides_and_counts_a_slide(
    web: tuple[TestClient, DemoIds], shared_data: Path
) -> None:
    """Upload, see thumbnails and calls, decide each cell, count: the case's differential grows."""
    client, ids = web
    csrf = _sign_in(client, Role.MORPHOLOGIST)

    page = client.post(
        f"/review/cases/{ids.case_id}/upload",
        data={"csrf_token": csrf, "slide_label": "AI web 1"},
        files=_files(shared_data),
    )
    assert page.status_code == 200, page.text
    assert "4 cell(s) pre-classified" in page.text and "notes.txt" in page.text
    cells = _cell_ids(page.text)
    assert len(cells) == 4
    assert 'class="badge sev-review">review' in page.text  # the artefact at least
    thumb = client.get(f"/review/cells/{cells[0]}/thumbnail")
    assert thumb.headers["content-type"] == "image/jpeg" and thumb.content[:2] == b"\xff\xd8"

    confirmed = client.post(
        f"/review/cells/{cells[0]}/decide",
        data={"action": "confirm"},
        headers={"X-CSRF-Token": csrf, "Accept": "application/json"},
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["state"] == "confirmed"
    assert confirmed.json()["model"]["version"].startswith("sha256:")
    early = client.post(
        f"/review/cases/{ids.case_id}/count",
        data={"csrf_token": csrf, "slide_label": "AI web 1"},
    )
    assert early.status_code == 409 and "await a decision" in early.text

    changed = client.post(
        f"/review/cells/{cells[1]}/decide",
        data={"csrf_token": csrf, "action": "change", "code": "BAS"},
        follow_redirects=False,
    )
    assert changed.status_code == 303 and f"#cell-{cells[1]}" in changed.headers["location"]
    for cell, action in ((cells[2], "confirm"), (cells[3], "reject")):
        done = client.post(
            f"/review/cells/{cell}/decide",
            data={"csrf_token": csrf, "action": action},
            follow_redirects=False,
        )
        assert done.status_code == 303
    counted = client.post(
        f"/review/cases/{ids.case_id}/count",
        data={"csrf_token": csrf, "slide_label": "AI web 1"},
        follow_redirects=False,
    )
    assert counted.status_code == 303
    differential = client.get(counted.headers["location"])
    assert "AI web 1" in differential.text and "3 / 3" in differential.text
    after = client.post(
        f"/review/cells/{cells[0]}/decide",
        data={"csrf_token": csrf, "action": "reject"},
    )
    assert after.status_code == 409  # counted cells are frozen


def test_only_morphologists_and_pathologists_may_decide(
    web: tuple[TestClient, DemoIds], shared_data: Path
) -> None:
    """A pathologist may; a lab scientist and a clinician get 403; a patient 403 on the page."""
    client, ids = web
    csrf = _sign_in(client, Role.PATHOLOGIST)
    lymphocyte = sorted((shared_data / "pbc" / "lymphocyte").glob("*.jpg"))[0]
    page = client.post(
        f"/review/cases/{ids.case_id}/upload",
        data={"csrf_token": csrf, "slide_label": "AI web 2"},
        files=[("images", ("lymphocyte.jpg", lymphocyte.read_bytes(), "image/jpeg"))],
    )
    [cell] = _cell_ids(page.text)

    for role in (Role.LAB_SCIENTIST, Role.CLINICIAN, Role.NURSE, Role.ADMIN):
        token = _sign_in(client, role)
        refused = client.post(
            f"/review/cells/{cell}/decide", data={"csrf_token": token, "action": "confirm"}
        )
        assert refused.status_code == 403, role
    _sign_in(client, Role.PATIENT)
    assert client.get(f"/review/cases/{ids.case_id}").status_code == 403
    assert client.get(f"/review/cells/{cell}/thumbnail").status_code == 403
    token = _sign_in(client, Role.PATHOLOGIST)
    accepted = client.post(
        f"/review/cells/{cell}/decide",
        data={"csrf_token": token, "action": "change", "code": "PLM"},
        headers={"Accept": "application/json"},
    )
    assert accepted.status_code == 200 and accepted.json()["final_code"] == "PLM"
    assert (
        accepted.json()["state"] == "corrected" and accepted.json()["decided_by"] == "pathologist"
    )


def test_a_decision_without_the_csrf_token_is_refused(web: tuple[TestClient, DemoIds]) -> None:
    """Every form of the page carries the token; a post without it changes nothing."""
    client, ids = web
    _sign_in(client, Role.MORPHOLOGIST)

    answer = client.post(
        f"/review/cases/{ids.case_id}/confirm-unflagged", data={"slide_label": "AI web 1"}
    )
    page = client.get(f"/review/cases/{ids.case_id}")

    assert answer.status_code == 403
    assert page.text.count('name="csrf_token"') >= page.text.count("<form")


def test_the_count_log_api_is_for_admin_and_lab_and_holds_no_identifier(
    web: tuple[TestClient, DemoIds],
) -> None:
    """JSON rows with pseudonyms and figures; no MRN or name; a morphologist gets 403."""
    client, _ = web
    _sign_in(client, Role.MORPHOLOGIST)
    assert client.get("/api/export/counts").status_code == 403
    _sign_in(client, Role.ADMIN)

    answer = client.get("/api/export/counts")

    assert answer.status_code == 200
    body = answer.json()
    assert body["deidentified"] is True and "n_BLA" in body["columns"]
    assert "DEMO-0001" not in answer.text and "Daniel" not in answer.text
