"""The message log as staff work from it: the error queue page, correct and replay,
resend, retention.

A refused message stays exactly as it arrived; its corrected copy is a new row that
points at it, and the audit log names who replayed it (with the SHA-256 of both texts,
never the text). Retention removes old finished messages and keeps every one a person
still has to act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from marrowscope.bootstrap import (
    DemoIds,
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    prepare_demo,
)
from marrowscope.cli.app import app as cli
from marrowscope.domain.errors import NotAllowed
from marrowscope.domain.interop.exchange import Direction, ExchangeStatus
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.mllp import Delivery
from marrowscope.services import interop
from marrowscope.services.accounts import DEMO_USERS
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase
from tests.integration.hl7_orders import cerner

LAB = Actor("lab", Role.LAB_SCIENTIST)
PATHOLOGIST = Actor("pathologist", Role.PATHOLOGIST)
PASSWORDS = {u.username: u.password for u in DEMO_USERS}


@pytest.fixture
def site(
    web_database: WebDatabase, request: pytest.FixtureRequest
) -> Iterator[tuple[TestClient, DemoIds, UnitOfWorkFactory, Any, str]]:
    url = web_database(f"queue_{request.node.name[:20]}")
    settings = Settings(database_url=url)
    ids = prepare_demo(settings)
    engine = build_engine(settings)
    factory = build_account_services(build_uow_factory(engine), settings).uow_factory
    with TestClient(create_app(settings)) as client:
        yield client, ids, factory, engine, url
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


def _wrong_name() -> str:
    """Cerner-style order for the demo patient with a family name the record contradicts."""
    return cerner("CR-Q1").replace("GARCIA^MARIA^L", "GARCIAS^MARIA^L")


def test_a_refused_message_is_corrected_on_its_page_replayed_and_audited(
    site: tuple[TestClient, DemoIds, UnitOfWorkFactory, Any, str],
) -> None:
    client, _, factory, engine, _ = site
    with factory() as uow:
        cases_before = uow.patients.by_mrn("H200001")
    assert cases_before is None  # Garcia is not registered: the order would register her
    wrong = _wrong_name().replace("PID|1|H200001|H200001^^^HOSP^MR||", "PID|1||^^^HOSP^MR||")
    refused = interop.receive_hl7(factory, wrong.encode(), peer="10.0.0.7:5000")
    assert not refused.accepted
    csrf = _sign_in(client, "lab")

    queue = client.get("/interop/messages")
    page = client.get(f"/interop/messages/{refused.exchange_id}")
    corrected = wrong.replace("PID|1||^^^HOSP^MR||", "PID|1||H200001^^^HOSP^MR||")
    replayed = client.post(
        f"/interop/messages/{refused.exchange_id}/replay",
        data={"csrf_token": csrf, "text": corrected.replace("\r", "\r\n")},
        follow_redirects=False,
    )

    assert queue.status_code == 200 and f"/interop/messages/{refused.exchange_id}" in queue.text
    assert page.status_code == 200 and "CR-Q1" in page.text and "Replay" in page.text
    assert replayed.status_code == 303
    with factory() as uow:
        original = interop.get_exchange(uow, LAB, refused.exchange_id)
        new_id = int(replayed.headers["location"].rsplit("/", 1)[1])
        copy = interop.get_exchange(uow, LAB, new_id)
        waiting = interop.error_queue(uow, LAB)
    assert original.status is ExchangeStatus.CORRECTED and original.raw == wrong
    assert copy.corrected_from == original.id and copy.status is ExchangeStatus.ACCEPTED
    assert copy.raw == corrected and copy.case_id is not None
    assert waiting == []
    with engine.connect() as conn:
        [audit] = conn.execute(
            sa.text(
                "SELECT actor_username, changes FROM audit_log "
                "WHERE entity = 'interop_exchange' AND entity_id = :id"
            ),
            {"id": str(refused.exchange_id)},
        ).all()
    assert audit.actor_username == "lab"
    assert "H200001" not in str(audit.changes) and "sha256" in str(audit.changes)
    client.cookies.clear()


def test_an_accepted_message_is_not_replayed(
    site: tuple[TestClient, DemoIds, UnitOfWorkFactory, Any, str],
) -> None:
    _, _, factory, _, _ = site
    accepted = interop.receive_hl7(factory, cerner("CR-Q2").encode())
    assert accepted.accepted

    with pytest.raises(NotAllowed, match="only a refused"):
        interop.replay(factory, LAB, accepted.exchange_id, None)


def test_a_refused_fhir_order_waits_in_the_error_queue_with_its_outcome(
    site: tuple[TestClient, DemoIds, UnitOfWorkFactory, Any, str],
) -> None:
    _, _, factory, _, _ = site

    result, logged = interop.receive_fhir_order(factory, '{"resourceType": "ServiceRequest"}')

    with factory() as uow:
        [waiting] = interop.error_queue(uow, LAB)
    assert not result.accepted and waiting.id == logged
    assert waiting.transport == "fhir" and '"OperationOutcome"' in waiting.answer


def test_a_failed_delivery_is_resent_from_its_page_and_audited(
    site: tuple[TestClient, DemoIds, UnitOfWorkFactory, Any, str],
) -> None:
    client, ids, factory, engine, _ = site
    with factory() as uow:
        queued = interop.queue_report(uow, PATHOLOGIST, ids.case_id, receiving="EPIC")
    [failed] = interop.deliver_queued(
        factory, lambda _m: Delivery("AE", b"MSH|^~\\&|EPIC\rMSA|AE|x\r", 1, "refused")
    )
    assert failed.status is ExchangeStatus.FAILED and failed.error == "answered AE"
    csrf = _sign_in(client, "admin")

    answer = client.post(
        f"/interop/messages/{queued.id}/resend", data={"csrf_token": csrf}, follow_redirects=False
    )
    without_csrf = client.post(f"/interop/messages/{queued.id}/resend", follow_redirects=False)

    assert answer.status_code == 303 and without_csrf.status_code == 403
    with factory() as uow:
        again = interop.get_exchange(uow, LAB, queued.id)
    assert again.status is ExchangeStatus.QUEUED and again.direction is Direction.OUT
    with engine.connect() as conn:
        entries = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE entity = 'interop_exchange'")
        ).scalar_one()
    assert entries == 1
    client.cookies.clear()


def test_an_unsigned_case_is_not_queued(
    site: tuple[TestClient, DemoIds, UnitOfWorkFactory, Any, str],
) -> None:
    _, _, factory, _, _ = site
    accepted = interop.receive_hl7(factory, cerner("CR-Q3").encode())

    with factory() as uow, pytest.raises(NotAllowed, match="no signed report"):
        interop.queue_report(uow, PATHOLOGIST, int(accepted.case_id or 0))


def test_prune_removes_old_finished_messages_and_keeps_open_ones(
    site: tuple[TestClient, DemoIds, UnitOfWorkFactory, Any, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, _, factory, _, url = site
    done = interop.receive_hl7(factory, cerner("CR-Q4").encode())
    open_ = interop.receive_hl7(factory, _wrong_name().encode())
    monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", url)

    kept = CliRunner().invoke(cli, ["hl7", "prune", "--days", "1"])
    with factory() as uow:
        removed = interop.prune_messages(uow, uow.now() + timedelta(days=1))
        left = [e.id for e in interop.message_log(uow, LAB)]

    assert kept.exit_code == 0 and kept.output.startswith("0 messages removed")
    assert removed == 1 and left == [open_.exchange_id]
    assert done.exchange_id not in left
