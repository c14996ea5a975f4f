"""An admin sets a clinician's provider identifier on the accounts page, as the JSON
twin (``PUT /api/users/{id}/provider-id``) does: checked (an NPI by its check digit),
refused beside its field with what was typed, audited, the admin's alone, CSRF-guarded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    prepare_demo,
)
from marrowscope.services.accounts import DEMO_USERS
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase

PASSWORDS = {u.username: u.password for u in DEMO_USERS}
VALID_NPI = "1234567893"  # the check-digit example of the CMS NPI standard


@pytest.fixture(scope="module")
def site(web_database: WebDatabase) -> Iterator[tuple[TestClient, Any, Any]]:
    settings = Settings(database_url=web_database("admin_provider"), hl7_provider_id_type="NPI")
    prepare_demo(settings)
    engine = build_engine(settings)
    accounts = build_account_services(build_uow_factory(engine), settings)
    with TestClient(create_app(settings)) as client:
        yield client, accounts, engine
    engine.dispose()


def _sign_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post(
        "/login",
        data={"username": username, "password": PASSWORDS[username], "csrf_token": token},
    )
    return str(client.get("/api/me").json()["csrf_token"])


def _user(accounts: Any, username: str) -> Any:
    with accounts.uow_factory() as uow:
        return uow.bind(accounts.stores.users).by_username(username)[0]


def _audited(engine: Any, user_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM audit_log WHERE entity = 'user' AND entity_id = :i"),
                {"i": str(user_id)},
            ).scalar_one()
        )


def test_a_wrong_npi_is_refused_beside_its_field_and_a_right_one_is_saved_and_audited(
    site: tuple[TestClient, Any, Any],
) -> None:
    client, accounts, engine = site
    pathologist = _user(accounts, "pathologist")
    csrf = _sign_in(client, "admin")
    url = f"/admin/users/{pathologist.id}/provider-id"
    before = _audited(engine, pathologist.id)

    listing = client.get("/admin")
    refused = client.post(url, data={"csrf_token": csrf, "provider_id": "1234567890"})
    saved = client.post(
        url, data={"csrf_token": csrf, "provider_id": VALID_NPI}, follow_redirects=False
    )

    assert f'href="{url}"' in listing.text
    assert refused.status_code in (400, 422)
    assert 'id="provider-form-provider_id-error"' in refused.text
    assert "check digit" in refused.text and 'value="1234567890"' in refused.text
    assert saved.status_code == 303 and saved.headers["location"] == "/admin"
    now = _user(accounts, "pathologist")
    # no type typed: the site's (NPI), by which it was checked, is the one it goes with
    assert (now.provider_id, now.provider_id_type) == (VALID_NPI, "")
    assert _audited(engine, pathologist.id) == before + 1  # the refusal wrote nothing
    assert f"({VALID_NPI})" in client.get("/admin").text
    assert f'value="{VALID_NPI}"' in client.get(url).text
    client.cookies.clear()


def test_an_account_that_is_no_clinician_gets_no_identifier(
    site: tuple[TestClient, Any, Any],
) -> None:
    client, accounts, _ = site
    patient = _user(accounts, "patient")
    csrf = _sign_in(client, "admin")

    answer = client.post(
        f"/admin/users/{patient.id}/provider-id",
        data={"csrf_token": csrf, "provider_id": VALID_NPI},
    )

    assert answer.status_code in (400, 422)
    assert "is not a clinician" in answer.text
    assert _user(accounts, "patient").provider_id == ""
    client.cookies.clear()


def test_only_an_admin_with_the_csrf_token_sets_it(site: tuple[TestClient, Any, Any]) -> None:
    client, accounts, _ = site
    morphologist = _user(accounts, "morphologist")
    url = f"/admin/users/{morphologist.id}/provider-id"
    lab_csrf = _sign_in(client, "lab")
    as_lab = client.post(url, data={"csrf_token": lab_csrf, "provider_id": VALID_NPI})
    lab_page = client.get(url)
    _sign_in(client, "admin")

    without_csrf = client.post(url, data={"provider_id": VALID_NPI})

    assert as_lab.status_code == 403 and lab_page.status_code == 403
    assert without_csrf.status_code == 403
    assert _user(accounts, "morphologist").provider_id == ""
    assert client.get("/admin/users/999999/provider-id").status_code == 404
    client.cookies.clear()
