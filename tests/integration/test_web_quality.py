"""The quality dashboard over HTTP: the page, each table's CSV, the charts and the JSON
carry the same rows; the demo's signed report and verified tests appear in them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase


@pytest.fixture(scope="module")
def manager(web_database: WebDatabase) -> Iterator[TestClient]:
    settings = Settings(database_url=web_database("quality"))
    prepare_demo(settings)
    with TestClient(create_app(settings)) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        client.post(
            "/login",
            data={"username": "labmanager", "password": "labmanager-demo",
                  "csrf_token": token.group(1)},
        )  # fmt: skip
        yield client


def test_the_csv_and_the_json_carry_the_same_turnaround_rows(manager: TestClient) -> None:
    figures = manager.get("/api/quality").json()
    rows = list(csv.DictReader(io.StringIO(manager.get("/quality/export/turnaround.csv").text)))

    assert figures["percentile_method"].startswith("Hyndman-Fan type 7")
    assert len(rows) == len(figures["turnaround"]) > 0
    assert [r["median_days"] for r in rows] == [
        str(r["median_days"]) for r in figures["turnaround"]
    ]
    assert manager.get("/api/quality/turnaround").json() == figures["turnaround"]


def test_the_page_and_its_charts_render(manager: TestClient) -> None:
    page = manager.get("/quality")
    charts = [manager.get(f"/quality/charts/{n}.png") for n in ("turnaround", "amendments")]

    assert page.status_code == 200 and "Turnaround" in page.text
    assert all(c.content.startswith(b"\x89PNG") for c in charts)


def test_an_unknown_table_is_a_plain_404(manager: TestClient) -> None:
    answer = manager.get("/api/quality/nonsense")

    assert answer.status_code == 404
    assert "no quality table 'nonsense'" in answer.text
