"""Who may see which patient, through the real app (docs/access.md): a clinician of one
ward is refused another ward's case on every door (page, JSON, exports, lists, search)
and offered break-glass; a grant needs a real reason, opens one case to one person for a
limited time, and is audited with every read under it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from marrowscope.bootstrap import (
    DemoIds,
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    prepare_demo,
)
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases
from marrowscope.services.accounts import create_user
from marrowscope.web.app import create_app
from tests.integration.api_support import PASSWORDS

OPERATOR = Actor("registrar", Role.CLINICIAN)  # a process, not a person: not scoped
WARD_B_PASSWORD = "ward-b clinician passphrase 42"
REASON = "covering ward B overnight, patient bleeding after the biopsy"


class Clock:
    """The app's clock, moved on by the test (grants expire by it)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    client: TestClient
    ids: DemoIds
    other_case: int  # a case of ward B, whose patient is nobody else's
    url: str
    clock: Clock


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    url = f"sqlite:///{tmp_path / 'scope.db'}"
    settings = Settings(database_url=url)
    ids = prepare_demo(settings)
    clock = Clock()
    uow_factory = build_uow_factory(build_engine(settings), clock, settings)
    with uow_factory() as uow:
        patient = cases.register_patient(
            uow, OPERATOR, mrn="WB-1001", family_name="Bward", given_name="Bea",
            birth_date=datetime(1960, 5, 1).date(), sex=Sex.FEMALE,
        )  # fmt: skip
        other = cases.open_case(uow, OPERATOR, patient.id, ward="Ward B")
        accounts = build_account_services(uow_factory, settings)
        user = create_user(
            uow, accounts.stores, None, username="drb", password=WARD_B_PASSWORD,
            role=Role.CLINICIAN, display_name="Dr B",
        )  # fmt: skip
        cases.set_units(uow, None, user.id, ["ward b"])
    with TestClient(create_app(settings, clock=clock)) as client:
        yield World(client, ids, other.id, url, clock)


def _sign_in(client: TestClient, username: str) -> dict[str, str]:
    client.cookies.clear()
    password = WARD_B_PASSWORD if username == "drb" else PASSWORDS[username]
    answer = client.post("/api/session", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"X-CSRF-Token": answer.json()["csrf_token"]}


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql(sql).all()]
    engine.dispose()
    return rows


def test_a_clinician_is_refused_another_wards_case_on_every_door(world: World) -> None:
    client, b = world.client, world.other_case
    _sign_in(client, "clinician")  # the demo clinician works on HAEM

    doors = [
        f"/api/cases/{b}", f"/api/cases/{b}/record", f"/api/cases/{b}/fhir",
        f"/api/cases/{b}/hl7", f"/api/cases/{b}/report", f"/api/cases/{b}/report.pdf",
        f"/api/cases/{b}/diagnosis/context",
    ]  # fmt: skip
    answers = {door: client.get(door) for door in doors}
    page = client.get(f"/clinician/cases/{b}")

    assert {d: a.status_code for d, a in answers.items()} == dict.fromkeys(doors, 403)
    body = answers[f"/api/cases/{b}/record"].json()
    assert body["break_glass"] == f"/api/cases/{b}/break-glass"
    assert "Bward" not in str(answers) and "WB-1001" not in page.text
    assert page.status_code == 403 and 'id="break-glass-form"' in page.text
    assert client.get(f"/api/cases/{world.ids.case_id}/record").status_code == 200


def test_lists_and_search_leave_out_other_wards_patients(world: World) -> None:
    client, b = world.client, world.other_case
    _sign_in(client, "clinician")

    listed = [c["id"] for c in client.get("/api/cases").json()]
    patient_cases = client.get(f"/api/patients/{world.ids.patient_id}/cases")
    other_patient = client.get(f"/api/cases/{b}")

    assert b not in listed and world.ids.case_id in listed
    assert patient_cases.status_code == 200
    assert other_patient.status_code == 403
    _sign_in(client, "drb")
    assert [c["id"] for c in client.get("/api/cases").json()] == [b]


def test_the_laboratory_sees_every_case_of_its_laboratory(world: World) -> None:
    client = world.client
    _sign_in(client, "lab")

    listed = {c["id"] for c in client.get("/api/cases").json()}
    record = client.get(f"/api/cases/{world.other_case}/record")

    assert {world.other_case, world.ids.case_id} <= listed
    assert record.status_code == 200


def test_a_patient_still_sees_only_their_own_case(world: World) -> None:
    client = world.client
    _sign_in(client, "patient")

    listed = [c["id"] for c in client.get("/api/cases").json()]

    assert listed == [world.ids.case_id]
    assert client.get(f"/api/cases/{world.other_case}/record").status_code in (403, 404)


@pytest.mark.parametrize("reason", ["", "emergency", "need to see", "   x   y   z   "])
def test_break_glass_without_a_real_reason_is_refused_and_grants_nothing(
    world: World, reason: str
) -> None:
    client, b = world.client, world.other_case
    headers = _sign_in(client, "clinician")

    answer = client.post(f"/api/cases/{b}/break-glass", json={"reason": reason}, headers=headers)

    assert answer.status_code == 422, answer.text
    assert "reason" in answer.json()["detail"]
    assert client.get(f"/api/cases/{b}/record").status_code == 403
    assert _rows(world.url, "SELECT count(*) FROM break_glass_grant") == [(0,)]


def test_break_glass_opens_that_case_audited_and_alerts_the_admins(world: World) -> None:
    client, b = world.client, world.other_case
    headers = _sign_in(client, "clinician")

    granted = client.post(f"/api/cases/{b}/break-glass", json={"reason": REASON}, headers=headers)
    record = client.get(f"/api/cases/{b}/record")

    assert granted.status_code == 201, granted.text
    assert record.status_code == 200 and record.json()["patient"]["mrn"] == "WB-1001"
    grant = granted.json()["grant_id"]
    entries = _rows(
        world.url,
        f"SELECT entity, action, actor_username, changes FROM audit_log WHERE case_id = {b} "
        "ORDER BY seq",
    )
    assert ("break_glass", "create", "clinician") == entries[-2][:3]
    assert REASON in str(entries[-2][3])
    assert entries[-1][:3] == ("case", "view", "clinician")
    assert f'"break_glass": {{"old": null, "new": "{grant}"}}' in str(entries[-1][3])
    _sign_in(client, "admin")
    review = client.get("/api/break-glass").json()
    assert [(g["username"], g["case_id"], g["reason"]) for g in review] == [
        ("clinician", b, REASON)
    ]


def test_a_grant_for_one_case_does_not_open_another(world: World) -> None:
    client, b = world.client, world.other_case
    headers = _sign_in(client, "drb")
    granted = client.post(
        f"/api/cases/{world.ids.case_id}/break-glass", json={"reason": REASON}, headers=headers
    )
    assert granted.status_code == 201
    _sign_in(client, "clinician")

    answer = client.get(f"/api/cases/{b}/record")

    assert answer.status_code == 403  # drb's grant opens the demo case to drb alone
    _sign_in(client, "drb")
    assert client.get(f"/api/cases/{world.ids.case_id}/record").status_code == 200
    assert client.get(f"/api/cases/{b}/record").status_code == 200  # drb's own ward


def test_an_expired_grant_no_longer_opens_the_case(world: World) -> None:
    client, b = world.client, world.other_case
    headers = _sign_in(client, "clinician")
    client.post(f"/api/cases/{b}/break-glass", json={"reason": REASON}, headers=headers)
    assert client.get(f"/api/cases/{b}/record").status_code == 200

    world.clock.now += timedelta(minutes=60)
    _sign_in(client, "clinician")  # the earlier session has gone idle meanwhile
    answer = client.get(f"/api/cases/{b}/record")

    assert answer.status_code == 403
    assert b not in [c["id"] for c in client.get("/api/cases").json()]


def test_the_break_glass_page_grants_and_returns_to_the_page_refused(world: World) -> None:
    client, b = world.client, world.other_case
    _sign_in(client, "clinician")
    refused = client.get(f"/clinician/cases/{b}")
    csrf = refused.text.split('name="csrf_token" value="')[1].split('"')[0]

    short = client.post(
        f"/cases/{b}/break-glass",
        data={"csrf_token": csrf, "reason": "urgent", "next": f"/clinician/cases/{b}"},
    )
    done = client.post(
        f"/cases/{b}/break-glass",
        data={"csrf_token": csrf, "reason": REASON, "next": f"/clinician/cases/{b}"},
        follow_redirects=False,
    )

    assert short.status_code == 422 and 'id="break-glass-reason-error"' in short.text
    assert done.status_code == 303 and done.headers["location"] == f"/clinician/cases/{b}"
    assert client.get(f"/clinician/cases/{b}").status_code == 200


def test_an_account_with_no_unit_sees_no_case(world: World) -> None:
    client = world.client
    [(clinician_id,)] = _rows(world.url, "SELECT id FROM users WHERE username = 'clinician'")
    headers = _sign_in(client, "admin")
    made = client.put(f"/api/users/{clinician_id}/units", json={"units": []}, headers=headers)
    assert made.status_code == 200

    _sign_in(client, "clinician")
    listed = client.get("/api/cases").json()

    assert listed == []
    assert client.get(f"/api/cases/{world.ids.case_id}/record").status_code == 403
