"""HL7 v2 over MLLP on the loopback, both ways, against an independent implementation.

Inbound: python-hl7's blocking ``MLLPClient`` (not our client) sends Epic- and
Cerner-style orders to our ``Listener``; each is filed by the ordinary order use case,
stored raw in the message log, and answered as its MSH-15/16 ask. Outbound: our
``deliver`` sends to python-hl7's asyncio MLLP server (``hl7.mllp``), which answers with
python-hl7's own ACK builder. Limits (idle timeout, size, concurrent connections) are
each shown on a real socket.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import hl7
import pytest
from hl7.client import MLLPClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.interop.exchange import Direction, ExchangeStatus
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.hl7v2 import InboundRules
from marrowscope.interop.mllp import Listener, deliver, frame
from marrowscope.services import cases, interop
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from tests.db_support import database_url, sqlite_url
from tests.integration.hl7_messages import HB, PLT, oru
from tests.integration.hl7_orders import cerner, epic
from tests.integration.mllp_support import IndependentServer

LAB = Actor("lab", Role.LAB_SCIENTIST)
CLINICIAN = Actor("cli.nician", Role.CLINICIAN)


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    url = sqlite_url(tmp_path)
    upgrade_database(url)
    engine = make_engine(url)
    uow_factory = build_uow_factory(engine)
    with uow_factory() as uow:
        garcia = cases.register_patient(
            uow, CLINICIAN, mrn="H200001", family_name="Garcia", given_name="Maria",
            birth_date=date(1962, 7, 4), sex=Sex.FEMALE,
        )  # fmt: skip
        cases.open_case(uow, CLINICIAN, garcia.id)
        demo = cases.register_patient(
            uow, CLINICIAN, mrn="DEMO-0001", family_name="Demo", given_name="Daniel",
            birth_date=date(1959, 3, 14), sex=Sex.MALE,
        )  # fmt: skip
        cases.open_case(uow, CLINICIAN, demo.id)
    yield uow_factory
    engine.dispose()


def _listening(factory: UnitOfWorkFactory, **limits: Any) -> Callable[[], tuple[Listener, int]]:
    def start() -> tuple[Listener, int]:
        listener = Listener(interop.HL7Receiver(factory, InboundRules()), "127.0.0.1", 0, **limits)
        threading.Thread(target=listener.serve_forever, daemon=True).start()
        return listener, listener.address[1]

    return start


@pytest.fixture
def listen(factory: UnitOfWorkFactory) -> Iterator[Callable[..., tuple[Listener, int]]]:
    started: list[Listener] = []

    def start(**limits: Any) -> tuple[Listener, int]:
        listener, port = _listening(factory, **limits)()
        started.append(listener)
        return listener, port

    yield start
    for listener in started:
        listener.stop()


def _original_mode(message: str) -> str:
    return message.replace("|||AL|NE", "", 1)


def _send(port: int, message: str) -> hl7.Message:
    with MLLPClient("127.0.0.1", port) as client:
        raw = client.send_message(message)
    return hl7.parse(raw.decode("utf-8").strip("\x0b\x1c\r"))


def _log(factory: UnitOfWorkFactory) -> list[Any]:
    with factory() as uow:
        return list(reversed(interop.message_log(uow, LAB)))


def test_an_epic_order_asking_al_ne_gets_a_commit_ack_and_is_filed(
    factory: UnitOfWorkFactory, listen: Callable[..., tuple[Listener, int]]
) -> None:
    _, port = listen()
    order = epic("EP-MLLP-1", placer="E1047283")

    answer = _send(port, order)

    assert str(answer.segment("MSH")[9]) == "ACK^O21^ACK"
    assert (str(answer.segment("MSA")[1]), str(answer.segment("MSA")[2])) == ("CA", "EP-MLLP-1")
    [logged] = _log(factory)
    assert (logged.direction, logged.status, logged.transport) == (
        Direction.IN,
        ExchangeStatus.ACCEPTED,
        "mllp",
    )
    assert logged.raw == order and logged.kind == "OML^O21" and logged.control_id == "EP-MLLP-1"
    assert logged.case_id is not None and "MSA|AA|EP-MLLP-1" in logged.answer
    assert logged.processed_at is not None and logged.processed_at >= logged.received_at


def test_a_cerner_order_in_original_mode_gets_its_application_answer(
    factory: UnitOfWorkFactory, listen: Callable[..., tuple[Listener, int]]
) -> None:
    _, port = listen()

    answer = _send(port, _original_mode(cerner("CR-MLLP-1")))

    assert str(answer.segment("MSA")[1]) == "AA"
    assert str(answer.segment("MSH")[9]).startswith(("ORR^O02", "ACK^O01"))
    assert _log(factory)[0].status is ExchangeStatus.ACCEPTED


def test_a_blood_count_result_over_mllp_is_filed_on_the_patient_s_open_case(
    factory: UnitOfWorkFactory, listen: Callable[..., tuple[Listener, int]]
) -> None:
    _, port = listen()

    answer = _send(port, oru(7, [HB, PLT]))

    assert (str(answer.segment("MSA")[1]), str(answer.segment("MSA")[2])) == ("AA", "M7")
    [logged] = _log(factory)
    assert logged.kind == "ORU^R01" and logged.status is ExchangeStatus.ACCEPTED
    assert logged.case_id is not None


def test_a_database_that_cannot_store_the_message_still_answers_and_logs_no_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = build_uow_factory(make_engine(sqlite_url(tmp_path / "never-migrated")))
    listener, port = _listening(broken)()
    caplog.set_level(logging.DEBUG)
    try:
        answer = _send(port, _original_mode(epic("EP-DOWN")))
    finally:
        listener.stop()

    assert str(answer.segment("MSA")[1]) in {"AE", "AR"}
    assert str(answer.segment("MSA")[2]) == "EP-DOWN"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "could not be stored" in logged
    assert "Okafor" not in logged and "H300123" not in logged


_MUTATIONS = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.tuples(st.integers(0, 600), st.binary(min_size=1, max_size=20)).map(
        lambda cut: epic("EP-FZ").encode()[: cut[0]] + cut[1]  # a real order, broken off
    ),
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    with database_url(request.param, tmp_path) as url:
        upgrade_database(url)
        engine = make_engine(url)
        yield build_uow_factory(engine)
        engine.dispose()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=_MUTATIONS)
def test_whatever_arrives_is_logged_and_answered_with_msa(
    any_factory: UnitOfWorkFactory, raw: bytes
) -> None:
    """Orders seen nowhere before (garbage, cut-off or mis-encoded messages) each get an
    answer with MSA and a row in the log; none raises."""
    receiver = interop.HL7Receiver(any_factory, InboundRules())
    with any_factory() as uow:
        before = len(interop.message_log(uow, LAB, limit=10_000))

    sent = receiver.receive(raw + b"\x00", "127.0.0.1:9")

    assert sent and all(b"\rMSA|" in a for a in sent)
    with any_factory() as uow:
        assert len(interop.message_log(uow, LAB, limit=10_000)) == before + 1


def test_a_refused_order_is_answered_ae_and_waits_in_the_error_queue(
    factory: UnitOfWorkFactory, listen: Callable[..., tuple[Listener, int]]
) -> None:
    _, port = listen()
    refused = _original_mode(epic("EP-MLLP-2", obr31=""))  # no indication

    answer = _send(port, refused)

    assert str(answer.segment("MSA")[1]) == "AE"
    with factory() as uow:
        [waiting] = interop.error_queue(uow, LAB)
    assert waiting.status is ExchangeStatus.REFUSED and waiting.raw == refused
    assert waiting.error and waiting.case_id is None


def test_enhanced_mode_al_al_sends_the_commit_then_the_application_ack(
    listen: Callable[..., tuple[Listener, int]],
) -> None:
    _, port = listen()
    order = epic("EP-MLLP-3", placer="E1047300").replace("|||AL|NE", "|||AL|AL", 1)

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(frame(order.encode()))
        received = b""
        while received.count(b"\x1c\r") < 2:
            received += sock.recv(65536)

    first, second = (
        hl7.parse(part.strip(b"\x0b\r").decode()) for part in received.split(b"\x1c\r")[:2]
    )
    assert str(first.segment("MSA")[1]) == "CA"
    assert str(second.segment("MSA")[1]) == "AA"
    assert str(second.segment("MSA")[2]) == "EP-MLLP-3"


def test_concurrent_connections_are_each_answered_and_each_order_filed(
    factory: UnitOfWorkFactory, listen: Callable[..., tuple[Listener, int]]
) -> None:
    _, port = listen(max_connections=8)
    orders = [
        _original_mode(
            epic(
                f"EP-C{i}",
                placer=f"E20{i:05d}",
                pid=f"PID|1||H31{i:04d}^^^HOSP^MR||Okafor^Ada||19710512|F",
            )
        )
        for i in range(6)
    ]  # six patients: one order each, so no order is a same-day repeat of another

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda m: _send(port, m), orders))

    assert sorted(str(a.segment("MSA")[2]) for a in answers) == sorted(f"EP-C{i}" for i in range(6))
    assert {str(a.segment("MSA")[1]) for a in answers} == {"AA"}
    assert len({e.case_id for e in _log(factory)}) == 6


def test_a_silent_connection_is_closed_after_the_idle_timeout(
    listen: Callable[..., tuple[Listener, int]],
) -> None:
    _, port = listen(idle_timeout_s=0.5)

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        started = time.monotonic()
        closed = sock.recv(1024)
        waited = time.monotonic() - started

    assert closed == b""
    assert 0.4 <= waited < 5


def test_a_message_over_the_size_limit_is_answered_ar_logged_and_the_connection_closed(
    factory: UnitOfWorkFactory, listen: Callable[..., tuple[Listener, int]]
) -> None:
    _, port = listen(max_bytes=2000)
    order = _original_mode(epic("EP-BIG")) + "NTE|2||" + "x" * 5000 + "\r"

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(frame(order.encode()))
        answer = sock.recv(65536)
        after = sock.recv(1024)

    parsed = hl7.parse(answer.strip(b"\x0b\x1c\r").decode())
    assert str(parsed.segment("MSA")[1]) == "AR"
    assert str(parsed.segment("MSA")[2]) == "EP-BIG"
    assert "2000 bytes" in str(parsed.segment("MSA")[3])
    assert after == b""
    [logged] = _log(factory)
    assert logged.status is ExchangeStatus.REFUSED and logged.control_id == "EP-BIG"


def test_connections_beyond_the_limit_are_closed_at_once(
    listen: Callable[..., tuple[Listener, int]],
) -> None:
    _, port = listen(max_connections=1)

    with socket.create_connection(("127.0.0.1", port), timeout=10) as first:
        first.sendall(b"\x0b")  # holds its slot, a message begun
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as second:
            refused = second.recv(1024)

    assert refused == b""


def test_no_message_text_reaches_the_application_log(
    factory: UnitOfWorkFactory,
    listen: Callable[..., tuple[Listener, int]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, port = listen(max_bytes=2000)
    caplog.set_level(logging.DEBUG)

    _send(port, epic("EP-LOG-1", placer="E1047399"))
    _send(port, _original_mode(epic("EP-LOG-2", obr31="")))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(frame((epic("EP-LOG-3") + "x" * 3000).encode()))
        sock.recv(65536)

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "message" in logged  # the log says what happened...
    for private in ("Okafor", "Grace", "H300123", "19710512", "apixaban", "pancytopenia"):
        assert private not in logged  # ...never to whom


def test_stop_finishes_the_message_in_hand_and_refuses_new_connections(
    factory: UnitOfWorkFactory,
) -> None:
    listener, port = _listening(factory)()

    answer = _send(port, _original_mode(cerner("CR-STOP")))
    listener.stop()

    assert str(answer.segment("MSA")[1]) == "AA"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


ORU = (
    "MSH|^~\\&|MARROWSCOPE|HAEM|EPIC|STMARYS|20260302120000||ORU^R01^ORU_R01|MS1-abc|P|2.5.1\r"
    "PID|1||H300123^^^HOSP^MR||Okafor^Grace||19710512|F\r"
    "OBR|1|E1047283^EPC|MS1^MARROWSCOPE|47286-0^Differential panel^LN\r"
)


@pytest.mark.parametrize("code", ["AA", "CA"])
def test_deliver_reads_the_ack_of_an_independent_server(code: str) -> None:
    server = IndependentServer(code)
    try:
        delivery = deliver(ORU.encode(), "127.0.0.1", server.port, attempts=2, backoff_s=0)
    finally:
        server.close()

    assert delivery.accepted and delivery.code == code and delivery.attempts == 1
    assert server.received[0].split("\r")[2].startswith("OBR|1|E1047283^EPC")


def test_deliver_retries_with_backoff_until_acknowledged() -> None:
    server = IndependentServer("AA", drop=2)
    waits: list[float] = []
    try:
        delivery = deliver(
            ORU.encode(), "127.0.0.1", server.port, attempts=5, backoff_s=0.5, sleep=waits.append
        )
    finally:
        server.close()

    assert delivery.accepted and delivery.attempts == 3
    assert waits == [0.5, 1.0]  # doubled after each failure


@pytest.mark.parametrize("code", ["AE", "AR", "CE", "CR"])
def test_a_refusal_ends_the_delivery_as_an_error_without_retrying(code: str) -> None:
    server = IndependentServer(code)
    try:
        delivery = deliver(ORU.encode(), "127.0.0.1", server.port, attempts=5, backoff_s=0)
    finally:
        server.close()

    assert (delivery.accepted, delivery.code, delivery.attempts) == (False, code, 1)
    assert len(server.received) == 1


def test_no_receiver_at_all_fails_after_every_attempt() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    waits: list[float] = []

    delivery = deliver(
        ORU.encode(), "127.0.0.1", free_port, attempts=3, backoff_s=0.1, sleep=waits.append
    )

    assert (delivery.accepted, delivery.code, delivery.attempts) == (False, "", 3)
    assert "ConnectionRefused" in delivery.error and waits == [0.1, 0.2]
