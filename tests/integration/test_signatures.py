"""Every signature is a signature (issue 26 §1): amendment, addendum and release ask for
the signer's password again, through the pages and the JSON API alike; the meaning of
the signature is stored with the version, shown and audited; wrong passwords at a
signature never lock the pathologist out of signing in.

On the demo database (``prepare_demo``): the demo case carries a signed v1; release is
the clinician's by default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import Settings, build_engine, build_uow_factory, prepare_demo
from marrowscope.web.app import create_app

PASSWORDS = {"pathologist": "pathologist-demo", "clinician": "clinician-demo"}


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[TestClient, int, Settings]]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'signatures.db'}")
    ids = prepare_demo(settings)
    with TestClient(create_app(settings)) as client:
        yield client, ids.case_id, settings


def _api_sign_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    answer = client.post(
        "/api/session", json={"username": username, "password": PASSWORDS[username]}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf_token"])


def _versions(client: TestClient, case: int) -> list[dict[str, object]]:
    return list(client.get(f"/api/cases/{case}/report").json()["versions"])


def _audited_meanings(settings: Settings, case: int) -> list[object]:
    with build_uow_factory(build_engine(settings))() as uow:
        entries = uow.audit.for_case(case)
    return [
        e.changes["signature_meaning"].new
        for e in entries
        if e.entity == "report" and "signature_meaning" in e.changes
    ]


AMEND = {"fields": {"comment": "Blasts re-counted."}, "reason": "recount"}
ADDENDUM = {"text": "CD34 IHC: 8 % blasts.", "reason": "IHC final"}


@pytest.mark.parametrize(("path", "body"), [("amend", AMEND), ("addendum", ADDENDUM)])
def test_the_api_signs_an_amendment_or_addendum_only_with_the_password(
    web: tuple[TestClient, int, Settings], path: str, body: dict[str, object]
) -> None:
    client, case, settings = web
    csrf = _api_sign_in(client, "pathologist")
    url, headers = f"/api/cases/{case}/report/{path}", {"X-CSRF-Token": csrf}

    missing = client.post(url, json=body, headers=headers)
    wrong = client.post(url, json={**body, "password": "guess"}, headers=headers)
    after_refusals = _versions(client, case)
    right = client.post(
        url, json={**body, "password": PASSWORDS["pathologist"], "meaning": "reviewed"},
        headers=headers,
    )  # fmt: skip

    assert missing.status_code == 422  # the password is part of the body
    assert wrong.status_code == 401
    assert "\n" not in wrong.json()["detail"] and "password" in wrong.json()["detail"]
    assert len(after_refusals) == 1  # nothing stored
    assert right.status_code == 200, right.text
    newest = right.json()["current"]
    assert newest["version"] == 2 and newest["signature_meaning"] == "reviewed"
    assert "reviewed" in _audited_meanings(settings, case)


def test_the_api_releases_only_with_the_releasers_password(
    web: tuple[TestClient, int, Settings],
) -> None:
    client, case, _ = web
    csrf = _api_sign_in(client, "clinician")
    url, headers = f"/api/cases/{case}/report/release", {"X-CSRF-Token": csrf}

    wrong = client.post(url, json={"password": "guess", "version": 1}, headers=headers)
    state = client.get(f"/api/cases/{case}/report").json()["status"]
    right = client.post(
        url, json={"password": PASSWORDS["clinician"], "version": 1}, headers=headers
    )

    assert wrong.status_code == 401 and state == "signed"
    assert right.status_code == 200 and right.json()["status"] == "released"


def _page_sign_in(client: TestClient, username: str) -> str:
    _api_sign_in(client, username)
    return str(client.get("/api/me").json()["csrf_token"])


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("amend", {"comment": "Blasts re-counted.", "reason": "recount"}),
        ("addendum", {"text": "CD34 IHC: 8 % blasts.", "reason": "IHC final"}),
    ],
)
def test_the_page_signs_an_amendment_or_addendum_only_with_the_password(
    web: tuple[TestClient, int, Settings], path: str, form: dict[str, str]
) -> None:
    client, case, settings = web
    csrf = _page_sign_in(client, "pathologist")
    url = f"/pathologist/cases/{case}/report/{path}"

    wrong = client.post(url, data={**form, "csrf_token": csrf, "password": "guess"})
    after_refusal = _versions(client, case)
    right = client.post(
        url, data={**form, "csrf_token": csrf, "password": PASSWORDS["pathologist"],
                   "meaning": "approved"},
    )  # fmt: skip

    assert wrong.status_code == 401
    assert re.search(rf'id="{path}-error">[^<\n]*password', wrong.text)
    assert len(after_refusal) == 1
    assert right.status_code == 200
    assert "(approved)" in right.text  # the report and its status line show the meaning
    assert _versions(client, case)[-1]["signature_meaning"] == "approved"
    assert "approved" in _audited_meanings(settings, case)


def test_the_page_releases_only_with_the_releasers_password(
    web: tuple[TestClient, int, Settings],
) -> None:
    client, case, _ = web
    csrf = _page_sign_in(client, "clinician")
    url = f"/reports/cases/{case}/release"

    wrong = client.post(url, data={"csrf_token": csrf, "password": "guess", "version": "1"})
    state = client.get(f"/api/cases/{case}/report").json()["status"]
    right = client.post(
        url, data={"csrf_token": csrf, "password": PASSWORDS["clinician"], "version": "1"}
    )

    assert wrong.status_code == 401 and state == "signed"
    assert right.status_code == 200
    assert client.get(f"/api/cases/{case}/report").json()["status"] == "released"


def test_six_wrong_signing_passwords_do_not_lock_the_pathologist_out_of_signing_in(
    web: tuple[TestClient, int, Settings],
) -> None:
    client, case, _ = web
    csrf = _api_sign_in(client, "pathologist")
    url, headers = f"/api/cases/{case}/report/amend", {"X-CSRF-Token": csrf}

    answers = [
        client.post(url, json={**AMEND, "password": "typo"}, headers=headers).status_code
        for _ in range(6)
    ]
    with TestClient(client.app) as elsewhere:  # no device cookie: the account's own limit
        signed_in = elsewhere.post(
            "/api/session",
            json={"username": "pathologist", "password": PASSWORDS["pathologist"]},
        )

    assert answers == [401] * 5 + [429]  # signing is paused ...
    assert signed_in.status_code == 200  # ... sign-in is not
