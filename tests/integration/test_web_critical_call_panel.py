"""The critical-value call panel where people act: the clinician's and the pathologist's
case pages and the release confirmation page show the values, the log and the form; a
refused call comes back on the page it was sent from, beside its field, typed text kept;
release is refused until a call with read-back is logged, then succeeds."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.web.app import create_app

PASSWORDS = {"pathologist": "pathologist-demo", "clinician": "clinician-demo"}
OWED = "Critical values: call required before release"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[TestClient, int]]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'calls.db'}")
    ids: DemoIds = prepare_demo(settings)
    with TestClient(create_app(settings)) as client:
        csrf = _sign_in(client, "clinician")
        cbc = client.post(
            f"/api/cases/{ids.case_id}/cbc",
            json={"collected_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
                  "measurements": {"platelets": 8, "hb": [9.1, "g/dL"]}},
            headers={"X-CSRF-Token": csrf},
        )  # fmt: skip
        assert cbc.status_code == 200, cbc.text
        yield client, ids.case_id


def _sign_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    answer = client.post(
        "/api/session", json={"username": username, "password": PASSWORDS[username]}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf_token"])


def _error(page: str, name: str) -> str:
    found = re.search(rf'id="call-form-{name}-error">([^<\n]*)</p>', page)
    assert found, f"no error beside {name}"
    return html.unescape(found.group(1))


def _panel(page: str) -> str:
    found = re.search(r'<section class="card wide[^"]*" id="critical-calls">(.*?)</section>', page,
                      re.S)  # fmt: skip
    assert found, "no call panel"
    return html.unescape(found.group(1))


def test_the_clinician_logs_the_call_on_the_case_page_and_then_releases(
    web: tuple[TestClient, int],
) -> None:
    client, case = web
    csrf = _sign_in(client, "clinician")
    page = f"/clinician/cases/{case}"
    release = f"/reports/cases/{case}/release"
    before = client.get(page)
    confirm = client.get(release)
    refused = client.post(release, data={"csrf_token": csrf, "password": PASSWORDS["clinician"],
                                         "version": "1"})  # fmt: skip
    nobody = client.post(
        f"/quality/cases/{case}/calls",
        data={"csrf_token": csrf, "back": page, "recipient": "  ", "called_at": "2026-01-05T10:00",
              "read_back": "yes", "notes": "ward phone"},
    )  # fmt: skip
    future = client.post(
        f"/quality/cases/{case}/calls",
        data={"csrf_token": csrf, "back": release, "recipient": "Dr Ward, SpR",
              "called_at": "2999-01-01T10:00", "notes": "bleep 4411"},
    )  # fmt: skip
    offered = re.search(r'id="call-form-called_at" value="([^"]+)"', before.text)
    assert offered, "no time offered"
    logged = client.post(
        f"/quality/cases/{case}/calls",
        data={"csrf_token": csrf, "back": page, "recipient": "Dr Ward, SpR",
              "called_at": offered.group(1), "read_back": "yes",
              "notes": "bleep 4411"},
        follow_redirects=False,
    )  # fmt: skip
    after = client.get(page)
    log = client.get(f"/api/cases/{case}/critical-calls").json()
    released = client.post(release, data={"csrf_token": csrf, "password": PASSWORDS["clinician"],
                                          "version": "1"}, follow_redirects=False)  # fmt: skip

    assert OWED in _panel(before.text) and "Platelets 8 x10^9/L (below" in _panel(before.text)
    assert OWED in _panel(confirm.text) and 'id="call-form"' in confirm.text
    assert refused.status_code == 409 and "Platelets 8" in html.unescape(refused.text)
    assert nobody.status_code == 422 and 'id="cbcs"' in nobody.text  # the case page again
    assert "say whom you told" in _error(nobody.text, "recipient")
    assert 'value="2026-01-05T10:00"' in nobody.text and "ward phone</textarea>" in nobody.text
    assert 'id="call-form-read_back" value="yes" checked' in nobody.text
    assert future.status_code == 422 and 'id="release-form"' in future.text  # release page
    assert "cannot be in the future" in _error(future.text, "called_at")
    assert 'value="Dr Ward, SpR"' in future.text and "bleep 4411</textarea>" in future.text
    assert logged.status_code == 303
    assert logged.headers["location"] == f"{page}#critical-calls"
    assert OWED not in _panel(after.text) and "call logged with read-back" in _panel(after.text)
    assert "Dr Ward, SpR" in _panel(after.text) and "clinician" in _panel(after.text)
    assert [(c["caller"], c["recipient"], c["read_back"]) for c in log["calls"]] == [
        ("clinician", "Dr Ward, SpR", True)
    ]  # the two refused calls stored nothing
    assert released.status_code == 303, released.text


def test_the_pathologist_sees_the_panel_and_a_foreign_back_page_is_not_followed(
    web: tuple[TestClient, int],
) -> None:
    client, case = web
    csrf = _sign_in(client, "pathologist")
    page = client.get(f"/pathologist/cases/{case}")
    refused = client.post(
        f"/quality/cases/{case}/calls",
        data={"csrf_token": csrf, "back": f"/clinician/cases/{case}", "recipient": "",
              "called_at": "yesterday"},
    )  # fmt: skip
    offsite = client.post(
        f"/quality/cases/{case}/calls",
        data={"csrf_token": csrf, "back": "https://example.org/", "recipient": "Dr Ward",
              "called_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")},
        follow_redirects=False,
    )  # fmt: skip

    assert OWED in _panel(page.text) and 'id="call-form"' in page.text
    assert refused.status_code == 422 and "Critical-value calls: case" in refused.text
    assert "a date and time" in _error(refused.text, "called_at")
    assert offsite.headers["location"] == f"/quality/cases/{case}/calls#critical-calls"
