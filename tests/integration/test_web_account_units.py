"""An admin sets where an account works on its page (docs/access.md): the units shown and
replaced through the form, audited; a unit that cannot be one comes back beside the field
with what was typed and changes nothing; only admins reach the page. The command
``marrowscope users units`` reads and replaces the same units from the server's shell."""

from __future__ import annotations

import html
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.web.app import create_app
from tests.integration.api_support import csrf_token

BIN = Path(sys.executable).with_name("marrowscope")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    url = f"sqlite:///{tmp_path / 'units.db'}"
    settings = Settings(database_url=url)
    prepare_demo(settings)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client, url


def _one(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql(sql).all()]
    engine.dispose()
    return rows


def _user_id(url: str, username: str) -> int:
    [(found,)] = _one(url, f"SELECT id FROM users WHERE username = '{username}'")
    return int(str(found))


def _units(url: str, user_id: int) -> list[str]:
    rows = _one(url, f"SELECT unit FROM user_unit WHERE user_id = {user_id} ORDER BY unit")
    return [str(r[0]) for r in rows]


def test_the_admin_replaces_an_accounts_units_on_its_page_and_it_is_audited(
    site: tuple[TestClient, str],
) -> None:
    client, url = site
    nurse = _user_id(url, "nurse")
    token = csrf_token(client, "admin")

    listing = client.get("/admin")
    before = client.get(f"/admin/users/{nurse}/units")
    saved = client.post(
        f"/admin/users/{nurse}/units", data={"csrf_token": token, "units": " Ward 7a ,haem,"}
    )
    after = client.get(saved.headers["location"])

    assert f'href="/admin/users/{nurse}/units"' in listing.text
    assert before.status_code == 200 and 'value="HAEM"' in before.text
    assert saved.status_code == 303 and _units(url, nurse) == ["HAEM", "WARD 7A"]
    assert "HAEM, WARD 7A" in html.unescape(after.text) and 'role="status"' in after.text
    [(detail,)] = _one(
        url,
        "SELECT changes FROM audit_log WHERE entity = 'user' AND action = 'update' "
        f"AND entity_id = '{nurse}' AND actor_username = 'admin'",
    )
    assert '"HAEM", "WARD 7A"' in str(detail)


def test_a_unit_that_cannot_be_one_comes_back_beside_the_field_as_typed(
    site: tuple[TestClient, str],
) -> None:
    client, url = site
    nurse = _user_id(url, "nurse")
    token = csrf_token(client, "admin")

    refused = client.post(
        f"/admin/users/{nurse}/units", data={"csrf_token": token, "units": "HAEM, Ward/7"}
    )
    too_many = client.post(
        f"/admin/users/{nurse}/units",
        data={"csrf_token": token, "units": ",".join(f"W{i}" for i in range(51))},
    )

    assert refused.status_code == 422
    assert 'id="units-form-units-error"' in refused.text and "WARD/7" in html.unescape(refused.text)
    assert 'value="HAEM, Ward/7"' in refused.text and 'aria-invalid="true"' in refused.text
    assert too_many.status_code == 422 and "at most 50" in too_many.text
    assert _units(url, nurse) == ["HAEM"]


def test_only_an_admin_reaches_the_page_and_an_unknown_account_is_not_found(
    site: tuple[TestClient, str],
) -> None:
    client, url = site
    nurse = _user_id(url, "nurse")
    token = csrf_token(client, "clinician")

    page = client.get(f"/admin/users/{nurse}/units")
    post = client.post(f"/admin/users/{nurse}/units", data={"csrf_token": token, "units": "LAB"})
    csrf_token(client, "admin")
    missing = client.get("/admin/users/99999/units")

    assert page.status_code == 403 and post.status_code == 403
    assert _units(url, nurse) == ["HAEM"]
    assert missing.status_code == 404 and "Traceback" not in missing.text


@pytest.mark.skipif(not BIN.exists(), reason="console script not installed")
def test_the_command_reads_and_replaces_units_and_refuses_with_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    prepare_demo(Settings(database_url=url))
    env = {**os.environ, "MARROWSCOPE_DATABASE_URL": url}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN), "users", "units", *args], env=env, capture_output=True, text=True,
            timeout=120, cwd=tmp_path,
        )  # fmt: skip

    shown = cli("nurse")
    changed = cli("nurse", "--set", "ward 7a,LAB")
    bad = cli("nurse", "--set", "WARD;7")
    unknown = cli("nobody")

    assert shown.returncode == 0 and shown.stdout.strip() == "nurse: HAEM"
    assert changed.returncode == 0 and changed.stdout.strip() == "nurse: LAB, WARD 7A"
    assert bad.returncode == 2 and bad.stderr.startswith("error: units:")
    assert unknown.returncode == 2 and "no account 'nobody'" in unknown.stderr
    assert "Traceback" not in bad.stderr + unknown.stderr
    assert _units(url, _user_id(url, "nurse")) == ["LAB", "WARD 7A"]
