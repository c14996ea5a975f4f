"""The API refuses to confirm the model's call where the model abstains (issue 28 section 1).

Real app, real SQLite, the shipped detector and classifier on real TXL-PBC fields from
another laboratory (575 px, Raabin-WBC): the model abstains on that slide, so the JSON
API and the review page's JSON twin answer 409 to "confirm", accept a class the person
chooses (the model's own included), and "accept page" leaves every cell and says how
many. PBC crops, the model's own laboratory, still confirm.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from marrowscope.ai.detection.detector import default_detector_path
from marrowscope.ai.infer import default_model_path
from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.web.app import create_app

from .api_support import AuditLog, api_session

FOREIGN = "Foreign fields"
REFUSED = "the model abstained on this slide: choose the class"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds, AuditLog]]:
    folder: Path = tmp_path_factory.mktemp("api_abstain")
    settings = Settings(database_url=f"sqlite:///{folder / 'abstain.db'}")
    if (
        not default_model_path(settings.model_dir).is_file()
        or not default_detector_path().is_file()
    ):
        pytest.skip("no classifier or detector shipped in this checkout")
    ids = prepare_demo(settings)
    audit = AuditLog(settings.database_url)
    audit.skip()
    with TestClient(create_app(settings)) as client:
        yield client, ids, audit


@pytest.fixture(scope="module")
def foreign(
    web: tuple[TestClient, DemoIds, AuditLog], shared_data: Path
) -> list[dict[str, object]]:
    """The cells of 20 fields of another laboratory, uploaded through the API."""
    client, ids, audit = web
    files = []
    for path in sorted((shared_data / "txl_pbc" / "images" / "val").glob("*.jpg")):
        with Image.open(path) as opened:
            if opened.size[0] == 575:
                files.append(("fields", (path.name, path.read_bytes(), "image/jpeg")))
        if len(files) == 20:
            break
    uploaded = client.post(
        f"/api/cases/{ids.case_id}/ai/fields",
        data={"slide_label": FOREIGN},
        files=files,
        headers=api_session(client, "morphologist"),
    )
    assert uploaded.status_code == 201, uploaded.text
    audit.skip()
    cells: list[dict[str, object]] = uploaded.json()["cells"]
    assert len(cells) >= 10
    return cells


def test_confirm_on_an_abstained_slide_is_refused_with_the_reason(
    web: tuple[TestClient, DemoIds, AuditLog], foreign: list[dict[str, object]]
) -> None:
    client, ids, audit = web
    headers = api_session(client, "morphologist")
    cell = foreign[-1]["id"]

    api = client.post(f"/api/cells/{cell}/decision", json={"action": "confirm"}, headers=headers)
    page = client.post(
        f"/review/cells/{cell}/decide",
        data={"action": "confirm", "csrf_token": headers["X-CSRF-Token"]},
        headers={**headers, "Accept": "application/json"},
    )

    assert api.status_code == 409 and REFUSED in api.json()["detail"], api.text
    assert page.status_code == 409 and REFUSED in page.json()["detail"], page.text
    assert [r for r in audit.new_rows() if r[0] == "ai_cell_call"] == []
    assert _state(client, ids.case_id, cell) == ("proposed", None)


def test_a_chosen_class_is_kept_even_the_models_own(
    web: tuple[TestClient, DemoIds, AuditLog], foreign: list[dict[str, object]]
) -> None:
    client, _, audit = web
    headers = api_session(client, "morphologist")
    cell = foreign[0]
    model_code = cell["model"]["code"]  # type: ignore[index]

    chosen = client.post(
        f"/api/cells/{cell['id']}/decision",
        json={"action": "change", "code": model_code},
        headers=headers,
    )

    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["state"], chosen.json()["final_code"]) == ("confirmed", model_code)
    assert chosen.json()["decided_by"] == "morphologist"
    assert ("ai_cell_call", "transition", "morphologist") in audit.new_rows()


def test_accept_page_leaves_every_cell_and_says_how_many(
    web: tuple[TestClient, DemoIds, AuditLog], foreign: list[dict[str, object]]
) -> None:
    client, ids, audit = web
    undecided = [c for c in foreign if _state(client, ids.case_id, c["id"])[0] == "proposed"]

    bulk = client.post(
        f"/api/cases/{ids.case_id}/ai/confirm-unflagged",
        json={"slide_label": FOREIGN},
        headers=api_session(client, "morphologist"),
    )

    assert bulk.status_code == 200, bulk.text
    assert (bulk.json()["confirmed"], bulk.json()["left"]) == (0, len(undecided))
    assert bulk.json()["abstained"] and f"{len(undecided)} cell(s) wait" in bulk.json()["message"]
    assert [r for r in audit.new_rows() if r[0] == "ai_cell_call"] == []


def test_a_cell_of_the_models_own_laboratory_still_confirms(
    web: tuple[TestClient, DemoIds, AuditLog], shared_data: Path
) -> None:
    client, ids, _ = web
    headers = api_session(client, "morphologist")
    eos = sorted((shared_data / "pbc" / "eosinophil").glob("*.jpg"))[:3]
    uploaded = client.post(
        f"/api/cases/{ids.case_id}/ai/images",
        data={"slide_label": "PBC crops"},
        files=[("images", (p.name, p.read_bytes(), "image/jpeg")) for p in eos],
        headers=headers,
    )
    familiar = [c for c in uploaded.json()["cells"] if not c["model"]["review"]]
    assert familiar, uploaded.text

    confirmed = client.post(
        f"/api/cells/{familiar[0]['id']}/decision", json={"action": "confirm"}, headers=headers
    )

    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "confirmed"
    assert confirmed.json()["final_code"] == familiar[0]["model"]["code"]


def _state(client: TestClient, case_id: int, cell_id: object) -> tuple[str, str | None]:
    listed = client.get(f"/api/cases/{case_id}/ai/cells", params={"slide": FOREIGN})
    [cell] = [c for c in listed.json()["cells"] if c["id"] == cell_id]
    return str(cell["state"]), cell["final_code"]
