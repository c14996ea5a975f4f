"""Passwords: the most common ones are refused, and everyone can change their own
(current password asked again, CSRF-checked, audited). Issue 17, section 7."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    prepare_demo,
)
from marrowscope.domain.accounts.password_policy import check_new_password, common_passwords
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.accounts import create_user
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase

ADMIN = Actor("admin", Role.ADMIN)


@pytest.mark.parametrize("password", ["password", "PASSWORD", "password1", "iloveyou", "1234"])
def test_a_common_or_short_password_is_refused(password: str) -> None:
    with pytest.raises(InvalidInput, match="password"):
        check_new_password(password)


def test_the_shipped_list_holds_about_a_thousand_passwords() -> None:
    assert 900 <= len(common_passwords()) <= 1000
    assert "password" in common_passwords()


def test_an_uncommon_passphrase_is_accepted() -> None:
    check_new_password("marrow tray at seven")


def test_the_username_is_not_a_password() -> None:
    with pytest.raises(InvalidInput, match="username"):
        check_new_password("Mgreenwood1987", "mgreenwood")


@pytest.fixture(scope="module")
def settings(web_database: WebDatabase) -> Settings:
    chosen = Settings(database_url=web_database("password"))
    prepare_demo(chosen)
    return chosen


def test_an_admin_cannot_create_an_account_with_password_as_its_password(
    settings: Settings,
) -> None:
    factory = build_uow_factory(build_engine(settings))
    stores = build_account_services(factory).stores

    with factory() as uow, pytest.raises(InvalidInput, match="breached or common"):
        create_user(uow, stores, ADMIN, username="newbie", password="password1234", role=Role.NURSE)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    factory = build_uow_factory(build_engine(settings))
    stores = build_account_services(factory).stores
    with factory() as uow:
        create_user(
            uow,
            stores,
            ADMIN,
            username=f"changer{id(object())}",
            password="first pass phrase",
            role=Role.NURSE,
        )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _newest_user(settings: Settings) -> str:
    factory = build_uow_factory(build_engine(settings))
    stores = build_account_services(factory).stores
    with factory() as uow:
        return uow.bind(stores.users).all()[-1].username


def _sign_in(client: TestClient, username: str, password: str) -> int:
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token[1]},
        follow_redirects=False,
    )
    return answer.status_code


def _change(client: TestClient, current: str, new: str, again: str | None = None) -> int:
    csrf = client.get("/api/me").json()["csrf_token"]
    answer = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
        },
    )
    return answer.status_code


def test_a_user_changes_their_own_password_through_the_page(
    client: TestClient, settings: Settings
) -> None:
    username = _newest_user(settings)
    assert _sign_in(client, username, "first pass phrase") == 303

    page = client.get("/account/password")
    wrong_current = _change(client, "not my password", "second pass phrase")
    common = _change(client, "first pass phrase", "password1")
    mismatch = _change(client, "first pass phrase", "second pass phrase", "other")
    changed = _change(client, "first pass phrase", "second pass phrase")
    old_refused = _sign_in(client, username, "first pass phrase")
    new_accepted = _sign_in(client, username, "second pass phrase")

    assert page.status_code == 200 and 'name="current_password"' in page.text
    assert (wrong_current, common, mismatch, changed) == (401, 422, 422, 200)
    assert (old_refused, new_accepted) == (401, 303)
    factory = build_uow_factory(build_engine(settings))
    with factory() as uow:
        entries = [e for e in uow.audit.recent(limit=50) if e.entity == "user"]
    assert any(e.actor.username == username and "password" in e.changes for e in entries)
    assert all("pass phrase" not in str(e.changes) for e in entries)


def test_the_api_changes_a_password_only_with_the_csrf_token(
    client: TestClient, settings: Settings
) -> None:
    username = _newest_user(settings)
    assert _sign_in(client, username, "first pass phrase") == 303
    csrf = client.get("/api/me").json()["csrf_token"]
    body = {"current_password": "first pass phrase", "new_password": "third pass phrase"}

    forged = client.post("/api/me/password", json=body)
    done = client.post("/api/me/password", json=body, headers={"X-CSRF-Token": csrf})

    assert forged.status_code == 403
    assert done.status_code == 200
    assert _sign_in(client, username, "third pass phrase") == 303
