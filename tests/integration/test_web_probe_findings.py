"""What an outside probe found in the web app (issue 17, section 7), each pinned by a test.

Each test sends the probe's own input through the real app on SQLite and checks the
answer a person or a client should get: a 4xx with a plain message, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.domain.counting.slide_counts import MAX_VERSION
from marrowscope.web.app import create_app
from marrowscope.web.path_ids import MAX_ID
from tests.db_support import WebDatabase

HUGE = "99999999999999999999"  # beyond 2**63 - 1


@pytest.fixture(scope="module")
def settings(web_database: WebDatabase) -> Settings:
    return Settings(database_url=web_database("probe"))


@pytest.fixture(scope="module")
def web(settings: Settings) -> Iterator[tuple[TestClient, DemoIds]]:
    ids = prepare_demo(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, ids


def _sign_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    answer = client.post(
        "/login",
        data={"username": username, "password": f"{username}-demo", "csrf_token": found[1]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(client.get("/api/me").json()["csrf_token"])


def _open_slide(client: TestClient, csrf: str, case_id: int, label: str) -> int:
    answer = client.post(
        f"/counter/cases/{case_id}/slides",
        data={"slide_label": label, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_a_version_no_counter_could_reach_is_refused_and_the_slide_still_finishes(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    csrf = _sign_in(client, "morphologist")
    count_id = _open_slide(client, csrf, ids.case_id, "probe-version")
    headers = {"X-CSRF-Token": csrf}

    huge = client.post(
        f"/api/counts/{count_id}/state",
        json={"version": 2**63 - 1, "counts": {"BLA": 1}},
        headers=headers,
    )
    just_over = client.post(
        f"/api/counts/{count_id}/state",
        json={"version": MAX_VERSION + 1, "counts": {"BLA": 1}},
        headers=headers,
    )
    later = client.post(
        f"/api/counts/{count_id}/state", json={"version": 5, "counts": {"BLA": 5}}, headers=headers
    )
    finish = client.post(
        f"/api/counts/{count_id}/finish",
        json={"version": MAX_VERSION, "counts": {"BLA": 6}},
        headers=headers,
    )

    assert huge.status_code == 422
    assert just_over.status_code == 422
    assert later.status_code == 200
    assert later.json()["counts"] == {"BLA": 5}
    assert finish.status_code == 200, finish.text
    assert finish.json()["status"] == "saved"


def _app_routes() -> Iterator[Any]:
    """Every endpoint of the app (FastAPI >= 0.16x wraps included routers)."""
    app = create_app(Settings(database_url="sqlite://"))
    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):
            yield from route.effective_route_contexts()
        elif isinstance(route, APIRoute):
            yield route


def _int_path_routes() -> list[tuple[str, str, list[str]]]:
    found = []
    for route in _app_routes():
        names = [f.alias for f in route.dependant.path_params if f.field_info.annotation is int]
        if names:
            found.extend((method, route.path, names) for method in sorted(route.methods))
    return found


INT_ROUTES = _int_path_routes()


def test_the_route_list_is_not_empty() -> None:
    assert len(INT_ROUTES) > 20


@pytest.mark.parametrize("number", [HUGE, "-" + HUGE, "9" * 5000, str(MAX_ID + 1)])
@pytest.mark.parametrize("username", ["pathologist", None], ids=["signed-in", "anonymous"])
def test_an_id_beyond_64_bits_is_refused_on_every_route(
    web: tuple[TestClient, DemoIds], number: str, username: str | None
) -> None:
    client, _ = web
    client.cookies.clear()
    csrf = _sign_in(client, username) if username else ""
    failures = []

    for method, template, names in INT_ROUTES:
        path = template
        for name in names:
            path = path.replace("{" + name + "}", number)
        path = re.sub(r"\{[a-z_]+\}", "smear_morphology", path)
        answer = client.request(
            method, path, headers={"X-CSRF-Token": csrf}, follow_redirects=False
        )
        if answer.status_code != 422 or "Traceback" in answer.text:
            failures.append(f"{method} {template}: {answer.status_code}")

    assert failures == []


def test_the_largest_id_is_still_an_ordinary_not_found(web: tuple[TestClient, DemoIds]) -> None:
    client, _ = web
    _sign_in(client, "pathologist")

    answer = client.get(f"/api/cases/{MAX_ID}")

    assert answer.status_code == 404


def test_a_server_error_has_the_security_headers_and_no_traceback(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/probe-boom")
    def boom() -> None:
        raise RuntimeError("patient Jane Doe MRN 123 in a bug's message")

    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/probe-boom")
        api = client.get("/probe-boom", headers={"Accept": "application/json"})

    for answer in (page, api):
        assert answer.status_code == 500
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "Traceback" not in answer.text
        assert "Jane Doe" not in answer.text


def test_a_server_error_is_logged_without_its_message(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    @app.get("/probe-boom")
    def boom() -> None:
        raise RuntimeError("patient Jane Doe MRN 123 in a bug's message")

    with TestClient(app, raise_server_exceptions=False) as client:
        client.get("/probe-boom")

    assert "RuntimeError" in caplog.text
    assert "Jane Doe" not in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        'analyte,value,unit\nhb,"6.8\rx",g/dL\n',
        "analyte,value,unit\nhb,6.8,g/\rdL\n",
        "analyte,value,unit\nhb,6.8,g/dL\x00\n",
        "analyte,value,unit\nhb,1e400,g/dL\n",
    ],
    ids=["cr-in-quoted-field", "bare-cr", "nul", "infinite"],
)
def test_a_malformed_cbc_file_is_refused_with_a_message(
    web: tuple[TestClient, DemoIds], text: str
) -> None:
    client, ids = web
    csrf = _sign_in(client, "clinician")

    answer = client.post(
        f"/clinician/cases/{ids.case_id}/cbc/import",
        data={"csrf_token": csrf},
        files={"file": ("cbc.csv", text, "text/csv")},
    )

    assert answer.status_code == 422, answer.text
    assert "file" in answer.text or "line" in answer.text
