"""A message received over a transport (MLLP, FHIR REST): stored raw first, then filed
by the ordinary import use case, then the outcome and answer written beside it.

Storing before reading means a message that cannot be parsed, or a crash while it is
filed, still leaves it on record for the error queue; the row is committed in its own
unit because the import rolls back its own unit on refusal. Only ids, message types and
statuses are logged: never the message text, which names the patient.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from marrowscope.domain.errors import InvalidMessage
from marrowscope.domain.interop.exchange import Direction, Exchange, ExchangeStatus
from marrowscope.domain.roles import Actor
from marrowscope.interop import hl7v2
from marrowscope.interop.mllp.ack_modes import answers
from marrowscope.services.interop.exchange_log import ExchangeLog, default_exchange_log
from marrowscope.services.interop.hl7 import HL7Import
from marrowscope.services.interop.inbox import import_hl7_message
from marrowscope.services.interop.orders import FHIR_INTERFACE, FhirOrderImport, import_fhir_order
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "HL7Receiver",
    "Received",
    "header_of",
    "receive_fhir_order",
    "receive_hl7",
    "refuse_too_large",
]

_Logs = Callable[[Any], ExchangeLog]

_log = logging.getLogger("marrowscope.interop")


@dataclass(frozen=True, slots=True)
class Received:
    """What became of a received message: its log row and the answers to send back."""

    exchange_id: int
    answers: list[str]
    accepted: bool
    error: str = ""
    case_id: int | None = None


def header_of(text: str) -> tuple[str, str]:
    """MSH-9 (message type) and MSH-10 (control id) as sent, '' where unreadable."""
    first = text.lstrip("\ufeff\x0b").replace("\n", "\r").split("\r", 1)[0]
    if not first.startswith("MSH") or len(first) < 4:
        return "", ""
    fields = first.split(first[3])
    kind = fields[8] if len(fields) > 8 else ""
    control = fields[9] if len(fields) > 9 else ""
    parts = kind.split(first[4] if len(first) > 4 else "^")
    return "^".join(parts[:2])[:64], control[:200]


def _text(raw: bytes | str) -> str:
    """The message as text for the log: by its MSH-18 charset, else Latin-1 (never fails).

    A NUL (never valid in HL7) is kept as U+FFFD: PostgreSQL's text refuses it, and a
    message that cannot be logged cannot be corrected and replayed.
    """
    if isinstance(raw, str):
        return raw.replace("\x00", "\ufffd")
    try:
        text = hl7v2.decode(raw)
    except InvalidMessage:
        text = raw.decode("latin-1")
    return text.replace("\x00", "\ufffd")


def _store(uow_factory: UnitOfWorkFactory, entry: Exchange, log: _Logs) -> Exchange | None:
    try:
        with uow_factory() as uow:
            stored: Exchange = uow.bind(log).add(replace(entry, received_at=uow.now()))
            uow.commit()
            return stored
    except Exception as error:  # noqa: BLE001 - the sender must still get an answer
        # the type only: a database error's text quotes the statement's parameters, and
        # with them the message
        _log.error("interop: a received message could not be stored (%s)", type(error).__name__)
        return None


def _finish(uow_factory: UnitOfWorkFactory, log: _Logs, entry: Exchange) -> None:
    with uow_factory() as uow:
        uow.bind(log).save(replace(entry, processed_at=uow.now()))
        uow.commit()
    _log.info("interop %s: message %d (%s) %s", entry.transport, entry.id, entry.kind, entry.status)


def _file(uow: UnitOfWork, message: bytes | str, rules: hl7v2.InboundRules | None) -> HL7Import:
    return import_hl7_message(uow, message, rules=rules)


def receive_hl7(
    uow_factory: UnitOfWorkFactory,
    raw: bytes | str,
    *,
    transport: str = "mllp",
    peer: str = "",
    rules: hl7v2.InboundRules | None = None,
    corrected_from: int | None = None,
    exchanges: _Logs | None = None,
) -> Received:
    """Store, file and answer one HL7 message (an order or a result)."""
    log = exchanges or default_exchange_log()
    text = _text(raw)
    kind, control = header_of(text)
    entry = Exchange(
        Direction.IN,
        transport,
        peer,
        kind,
        control,
        text,
        ExchangeStatus.RECEIVED,
        received_at=_now(),
        corrected_from=corrected_from,
    )
    stored = _store(uow_factory, entry, log)
    if stored is None:
        refused = InvalidMessage("the message could not be stored; send it again", code="207")
        ack = hl7v2.ack(raw, control_id=_control(), error=refused)
        sent = answers(text, ack, ack, accepted=False, stored=False)
        return Received(0, sent, False, str(refused))
    with uow_factory() as uow:
        result = _file(uow, raw, rules)
    status = ExchangeStatus.ACCEPTED if result.accepted else ExchangeStatus.REFUSED
    done = replace(
        stored, status=status, error=result.error, answer=result.ack, case_id=result.case_id
    )
    _finish(uow_factory, log, done)
    return Received(
        stored.id,
        answers(
            text,
            result.ack,
            hl7v2.ack(raw, control_id=_control()),
            accepted=result.accepted,
            stored=True,
        ),
        result.accepted,
        result.error,
        result.case_id,
    )


def refuse_too_large(
    uow_factory: UnitOfWorkFactory,
    head: bytes,
    limit: int,
    *,
    transport: str = "mllp",
    peer: str = "",
    exchanges: _Logs | None = None,
) -> Received:
    """A message over the size limit: its head kept in the log, answered AR (code 100)."""
    log = exchanges or default_exchange_log()
    text = _text(head.decode("latin-1"))
    kind, control = header_of(text)
    refused = InvalidMessage(
        f"the message is larger than {limit} bytes and was not read", reject=True, code="100"
    )
    ack = hl7v2.ack(head, control_id=_control(), error=refused)
    entry = Exchange(
        Direction.IN,
        transport,
        peer,
        kind,
        control,
        text,
        ExchangeStatus.REFUSED,
        received_at=_now(),
        error=str(refused),
        answer=ack,
    )
    stored = _store(uow_factory, entry, log)
    if stored is not None:
        _finish(uow_factory, log, stored)
    return Received(stored.id if stored else 0, [ack], False, str(refused))


def receive_fhir_order(
    uow_factory: UnitOfWorkFactory,
    body: str,
    *,
    actor: Actor = FHIR_INTERFACE,
    authority: str = "",
    peer: str = "",
    kind: str = "ServiceRequest",
    exchanges: _Logs | None = None,
    provider_id_type: str = "",
) -> tuple[FhirOrderImport, int]:
    """Store, file and answer a FHIR order (a ServiceRequest or a transaction Bundle)."""
    log = exchanges or default_exchange_log()
    entry = Exchange(
        Direction.IN, "fhir", peer, kind, "", _text(body), ExchangeStatus.RECEIVED, _now()
    )
    stored = _store(uow_factory, entry, log)
    with uow_factory() as uow:
        result = import_fhir_order(
            uow, body, actor=actor, authority=authority, provider_id_type=provider_id_type
        )
    if stored is not None:
        status = ExchangeStatus.ACCEPTED if result.accepted else ExchangeStatus.REFUSED
        case_id = result.filed.case_id if result.filed else None
        answer = json.dumps(result.outcome)
        _finish(
            uow_factory,
            log,
            replace(stored, status=status, error=result.error, answer=answer, case_id=case_id),
        )
    return result, stored.id if stored else 0


def _control() -> str:
    return f"ACK-{uuid.uuid4().hex[:12]}"


def _now() -> datetime:
    # a placeholder: ``_store`` writes the unit of work's clock (the one tests control)
    return datetime.now(UTC)


class HL7Receiver:
    """What an MLLP listener hands each message to (``interop.mllp.Receiver``): the
    answers as bytes, UTF-8 like every message this system writes."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, rules: hl7v2.InboundRules | None = None
    ) -> None:
        self.uow_factory = uow_factory
        self.rules = rules

    def receive(self, message: bytes, peer: str) -> list[bytes]:
        """File one framed message; its acknowledgements (AE when filing broke down)."""
        try:
            got = receive_hl7(self.uow_factory, message, peer=peer, rules=self.rules)
        except Exception as error:  # noqa: BLE001 - the sender must still get an answer
            _log.error("interop: a received message broke down (%s)", type(error).__name__)
            refused = InvalidMessage("internal error; send the message again", code="207")
            return [hl7v2.ack(message, control_id=_control(), error=refused).encode("utf-8")]
        return [answer.encode("utf-8") for answer in got.answers]

    def too_large(self, head: bytes, limit: int, peer: str) -> list[bytes]:
        """Refuse a message over the size limit; its AR acknowledgement."""
        got = refuse_too_large(self.uow_factory, head, limit, peer=peer)
        return [answer.encode("utf-8") for answer in got.answers]
