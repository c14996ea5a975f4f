"""The counter's draft save through the app, now that it is group-committed (issue 17 §3).

The route no longer looks the session up itself: the writer checks session, CSRF token
and role in the transaction that writes. These tests hold the route to the answers every
other write gives (401, 403, 422) and check that nothing refused is written, and that
saves sent side by side from many threads are all stored at their newest version.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds
from marrowscope.web.deps import SESSION_COOKIE

from .api_support import api_session, demo_web


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds]]:
    with demo_web(tmp_path_factory.mktemp("draft_saves")) as (client, ids):
        yield client, ids


def _slide(client: TestClient, ids: DemoIds, label: str, headers: dict[str, str]) -> int:
    opened = client.post(
        f"/api/cases/{ids.case_id}/slides", json={"slide_label": label}, headers=headers
    )
    assert opened.status_code == 201, opened.text
    return int(opened.json()["id"])


def _version(client: TestClient, count_id: int) -> int:
    got = client.get(f"/api/counts/{count_id}")
    assert got.status_code == 200, got.text
    return int(got.json()["version"])


def test_a_refused_save_gets_the_answer_every_write_gets_and_writes_nothing(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    morphologist = api_session(client, "morphologist")
    count_id = _slide(client, ids, "refusals", morphologist)
    body = {"version": 3, "counts": {"NGS": 3}}
    url = f"/api/counts/{count_id}/state"

    no_token = client.post(url, json=body)
    wrong_token = client.post(url, json=body, headers={"X-CSRF-Token": "not-the-token"})
    cookie = client.cookies.get(SESSION_COOKIE) or ""
    client.cookies.clear()
    forged = client.post(
        url, json=body, headers={**morphologist, "Cookie": f"{SESSION_COOKIE}=x{cookie}"}
    )
    client.cookies.set(SESSION_COOKIE, cookie)
    assert _version(client, count_id) == 0

    lab = api_session(client, "lab")
    lab_save = client.post(url, json=body, headers=lab)
    client.cookies.clear()
    anonymous = client.post(url, json=body)

    assert (no_token.status_code, wrong_token.status_code) == (403, 403)
    assert forged.status_code == 401 and forged.json()["error"] == "Not signed in"
    assert lab_save.status_code == 403
    assert anonymous.status_code == 401
    api_session(client, "morphologist")
    assert _version(client, count_id) == 0


def test_a_save_after_signing_out_is_refused(web: tuple[TestClient, DemoIds]) -> None:
    client, ids = web
    morphologist = api_session(client, "morphologist")
    count_id = _slide(client, ids, "signed out", morphologist)
    url = f"/api/counts/{count_id}/state"
    first = client.post(url, json={"version": 3, "counts": {"NGS": 3}}, headers=morphologist)
    cookie = client.cookies.get(SESSION_COOKIE) or ""

    out = client.post(
        "/logout", data={"csrf_token": morphologist["X-CSRF-Token"]}, follow_redirects=False
    )
    client.cookies.clear()
    after = client.post(  # the old cookie, kept by someone who copied it
        url,
        json={"version": 6, "counts": {"NGS": 6}},
        headers={**morphologist, "Cookie": f"{SESSION_COOKIE}={cookie}"},
    )

    assert first.status_code == 200
    assert out.status_code in (200, 303)
    assert after.status_code == 401
    api_session(client, "morphologist")
    assert _version(client, count_id) == 3


def test_saves_sent_side_by_side_are_all_stored_at_their_newest_version(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    morphologist = api_session(client, "morphologist")
    slides = [_slide(client, ids, f"side by side {n}", morphologist) for n in range(12)]

    def count(count_id: int) -> list[int]:
        answers = []
        for version in range(3, 31, 3):
            saved = client.post(
                f"/api/counts/{count_id}/state",
                json={"version": version, "counts": {"NGS": version, "BLA": version // 3}},
                headers=morphologist,
            )
            answers.append(saved.status_code)
        return answers

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = [s for answers in pool.map(count, slides) for s in answers]

    assert statuses == [200] * 120
    for count_id in slides:
        stored = client.get(f"/api/counts/{count_id}").json()
        assert stored["version"] == 30
        assert stored["counts"] == {"BLA": 10, "NGS": 30}
        assert stored["percentages"] == {"BLA": 25.0, "NGS": 75.0}


def test_a_malformed_save_is_refused_for_who_sends_it_before_what_it_says(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    morphologist = api_session(client, "morphologist")
    count_id = _slide(client, ids, "malformed", morphologist)
    url = f"/api/counts/{count_id}/state"
    malformed = [b"", b"{not json", b'{"version": -1, "counts": {}}', b'{"counts": {"NGS": "x"}}']

    as_counter = [client.post(url, content=m, headers=morphologist) for m in malformed]
    no_token = client.post(url, content=malformed[2])
    patient = api_session(client, "patient")
    as_patient = [client.post(url, content=m, headers=patient) for m in malformed]
    client.cookies.clear()
    anonymous = [client.post(url, content=m) for m in malformed]

    assert [a.status_code for a in as_counter] == [422] * 4
    assert "version" in as_counter[2].json()["detail"]
    assert no_token.status_code == 403
    assert [a.status_code for a in as_patient] == [403] * 4
    assert [a.status_code for a in anonymous] == [401] * 4
    api_session(client, "morphologist")
    assert _version(client, count_id) == 0


def test_the_openapi_description_still_names_the_save_body(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, _ = web
    api_session(client, "morphologist")
    schema = client.get("/openapi.json").json()

    body = schema["paths"]["/api/counts/{count_id}/state"]["post"]["requestBody"]
    fields = body["content"]["application/json"]["schema"]["properties"]
    assert body["required"] is True
    assert set(fields) == {"version", "counts"}
