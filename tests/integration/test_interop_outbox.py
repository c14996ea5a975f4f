"""The outbox: signed reports go to the EHR over MLLP without anyone naming the case.

Each pass of ``send_pass`` queues every case's newest signed version that has no
message for the destination yet, then delivers; the receiver is python-hl7's asyncio
MLLP server (``hl7.mllp``), which parses what we send with its own parser and answers
with its own ACK builder. The invariants: a version goes once per destination, however
many passes or senders run; an amendment goes as a corrected result (OBR-25 C); a
refusal waits in the error queue and is not sent again by itself; a message that got
no answer is sent on a later pass. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import hl7
import pytest

from marrowscope.bootstrap import (
    DemoIds,
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    prepare_demo,
)
from marrowscope.domain.interop.exchange import Direction, ExchangeStatus
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.mllp import deliver
from marrowscope.services import interop, reporting
from marrowscope.services.interop.exchange_log import default_exchange_log
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.services.walkthrough.demo_report import DEMO_FIELDS
from tests.db_support import WebDatabase
from tests.integration.mllp_support import IndependentServer

PATHOLOGIST = Actor("pathologist", Role.PATHOLOGIST)
LAB = Actor("lab", Role.LAB_SCIENTIST)
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def site(
    web_database: WebDatabase, request: pytest.FixtureRequest
) -> Iterator[tuple[UnitOfWorkFactory, DemoIds]]:
    url = web_database(f"outbox_{request.node.name[:24]}", request.param)
    settings = Settings(database_url=url)
    ids = prepare_demo(settings)  # the demo case has a signed report
    engine = build_engine(settings)
    yield build_account_services(build_uow_factory(engine), settings).uow_factory, ids
    engine.dispose()


@pytest.fixture
def ehr() -> Iterator[IndependentServer]:
    server = IndependentServer("AA")
    yield server
    server.close()


def _pass(factory: UnitOfWorkFactory, port: int, **kwargs: Any) -> tuple[list[Any], list[Any]]:
    with factory() as uow:
        since = uow.now() - timedelta(days=1)
    return interop.send_pass(
        factory,
        PATHOLOGIST,
        lambda m: deliver(m, "127.0.0.1", port, attempts=2, backoff_s=0, timeout_s=5),
        interop.Outbound(f"127.0.0.1:{port}", "EPIC"),
        since=since,
        **kwargs,
    )


def _result_status(message: str) -> str:
    return str(hl7.parse(message).segment("OBR")[25])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_signed_report_is_sent_once_however_many_passes_run(
    site: tuple[UnitOfWorkFactory, DemoIds], ehr: IndependentServer
) -> None:
    factory, ids = site

    queued, sent = _pass(factory, ehr.port)
    again = _pass(factory, ehr.port)

    assert [(e.case_id, e.report_version) for e in queued] == [(ids.case_id, 1)]
    assert [e.status for e in sent] == [ExchangeStatus.SENT]
    assert again == ([], [])
    [message] = ehr.received
    assert _result_status(message) == "F"
    assert str(hl7.parse(message).segment("MSH")[5]) == "EPIC"


def test_an_amendment_goes_once_as_a_corrected_result(
    site: tuple[UnitOfWorkFactory, DemoIds], ehr: IndependentServer
) -> None:
    factory, ids = site
    _pass(factory, ehr.port)
    with factory() as uow:
        reporting.amend_report(
            uow, PATHOLOGIST, ids.case_id,
            {**DEMO_FIELDS, "conclusion": DEMO_FIELDS["conclusion"] + " Karyotype added."},
            reason="karyotype result", signer_name="Dr Pia Pathologist",
        )  # fmt: skip

    queued, sent = _pass(factory, ehr.port)
    _pass(factory, ehr.port)

    assert [(e.case_id, e.report_version) for e in queued] == [(ids.case_id, 2)]
    assert [e.status for e in sent] == [ExchangeStatus.SENT]
    assert [_result_status(m) for m in ehr.received] == ["F", "C"]


def test_a_refused_result_waits_in_the_error_queue_and_is_not_sent_again_by_itself(
    site: tuple[UnitOfWorkFactory, DemoIds],
) -> None:
    factory, _ = site
    refusing = IndependentServer("AE")
    try:
        _, [failed] = _pass(factory, refusing.port)
        second = _pass(factory, refusing.port)
    finally:
        refusing.close()

    assert failed.status is ExchangeStatus.FAILED and failed.error == "answered AE"
    assert second == ([], [])
    assert len(refusing.received) == 1
    with factory() as uow:
        [waiting] = interop.error_queue(uow, LAB)
    assert waiting.id == failed.id and waiting.direction is Direction.OUT


def test_a_result_nobody_answered_is_sent_on_a_later_pass_as_the_same_message(
    site: tuple[UnitOfWorkFactory, DemoIds], ehr: IndependentServer
) -> None:
    factory, _ = site
    port = _free_port()  # nothing listens there: the receiver is down
    _, [unanswered] = _pass(factory, port)
    with factory() as uow:
        [waiting] = interop.error_queue(uow, LAB)
    assert unanswered.status is ExchangeStatus.FAILED
    assert unanswered.error.startswith("no acknowledgement") and unanswered.attempts == 2
    assert waiting.id == unanswered.id

    delivered = interop.deliver_queued(
        factory,
        lambda m: deliver(m, "127.0.0.1", ehr.port, attempts=2, backoff_s=0),
        destination=f"127.0.0.1:{port}",
    )

    assert [(e.id, e.status) for e in delivered] == [(unanswered.id, ExchangeStatus.SENT)]
    assert delivered[0].attempts == 3 and len(ehr.received) == 1
    with factory() as uow:
        assert interop.error_queue(uow, LAB) == []


def test_a_message_left_taken_by_a_sender_that_died_is_sent_after_it_goes_stale(
    site: tuple[UnitOfWorkFactory, DemoIds], ehr: IndependentServer
) -> None:
    factory, ids = site
    to = f"127.0.0.1:{ehr.port}"
    with factory() as uow:
        entry = interop.queue_report(uow, PATHOLOGIST, ids.case_id, destination=to)
    with factory() as uow:  # a sender takes it, then dies before the answer is written
        assert uow.bind(default_exchange_log()).claim(entry.id, uow.now())
        uow.commit()

    while_live = interop.deliver_queued(factory, lambda m: deliver(m, "127.0.0.1", ehr.port))
    after = interop.deliver_queued(
        factory, lambda m: deliver(m, "127.0.0.1", ehr.port), stale_after=timedelta(0)
    )

    assert while_live == [] and [e.id for e in after] == [entry.id]
    assert after[0].status is ExchangeStatus.SENT and len(ehr.received) == 1


def test_two_senders_at_once_send_each_version_once(
    site: tuple[UnitOfWorkFactory, DemoIds], ehr: IndependentServer
) -> None:
    factory, _ = site
    start = threading.Barrier(2)
    outcomes: list[tuple[list[Any], list[Any]]] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait(10)
            outcomes.append(_pass(factory, ehr.port))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(len(queued) for queued, _ in outcomes) == 1
    assert sum(len(sent) for _, sent in outcomes) == 1
    assert len(ehr.received) == 1
    with factory() as uow:
        out = [e for e in interop.message_log(uow, LAB) if e.direction is Direction.OUT]
    assert [e.status for e in out] == [ExchangeStatus.SENT]


def test_the_same_version_goes_to_each_destination_once(
    site: tuple[UnitOfWorkFactory, DemoIds], ehr: IndependentServer
) -> None:
    factory, _ = site
    second = IndependentServer("AA")
    try:
        _pass(factory, ehr.port)
        _pass(factory, second.port)
        _pass(factory, ehr.port)
    finally:
        second.close()

    assert len(ehr.received) == 1 and len(second.received) == 1
