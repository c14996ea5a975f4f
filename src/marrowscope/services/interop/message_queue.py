"""The message log as staff work from it: the error queue, a refused message corrected
and replayed, an outgoing one queued again, old messages pruned (outbound results are
queued and delivered by ``outbox``).

Who: the error queue is laboratory work (``lab_scientist``) and interface
administration (``admin``); clinicians see results on the case, not here. Every
replay and resend is audited with who did it; a corrected message is a new row that
points at the refused one, which is kept unchanged, so the record shows what the
sender actually sent. Delivery takes the socket client as a parameter (``Sender``) so
that this module opens no connection itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import InvalidInput, NotAllowed, NotFound
from marrowscope.domain.interop.exchange import (
    OPEN_STATUSES,
    Direction,
    Exchange,
    ExchangeStatus,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop import hl7v2
from marrowscope.interop.mllp.client import Delivery
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import require_staff
from marrowscope.services.interop.exchange_log import ExchangeLog, default_exchange_log
from marrowscope.services.interop.transport import (
    Received,
    receive_fhir_order,
    receive_hl7,
)
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:
    pass

__all__ = [
    "QUEUE_ROLES",
    "error_queue",
    "get_exchange",
    "message_log",
    "prune_messages",
    "replay",
    "resend",
]

_Logs = Callable[[Any], ExchangeLog]

QUEUE_ROLES = frozenset({Role.LAB_SCIENTIST, Role.ADMIN})
_ERRORS = (ExchangeStatus.REFUSED, ExchangeStatus.FAILED, ExchangeStatus.RECEIVED)
Sender = Callable[[bytes], Delivery]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def error_queue(uow: UnitOfWork, actor: Actor, *, exchanges: _Logs | None = None) -> list[Exchange]:
    """Refused inbound, failed outbound and never-filed messages, oldest first."""
    require_staff(actor, QUEUE_ROLES)
    return uow.bind(exchanges or default_exchange_log()).with_status(_ERRORS)


def message_log(
    uow: UnitOfWork, actor: Actor, *, limit: int = 100, exchanges: _Logs | None = None
) -> list[Exchange]:
    """The latest messages in and out, newest first."""
    require_staff(actor, QUEUE_ROLES)
    return uow.bind(exchanges or default_exchange_log()).recent(limit)


def get_exchange(
    uow: UnitOfWork, actor: Actor, exchange_id: int, *, exchanges: _Logs | None = None
) -> Exchange:
    """One logged message, raw."""
    require_staff(actor, QUEUE_ROLES)
    found = uow.bind(exchanges or default_exchange_log()).get(exchange_id)
    if found is None:
        raise NotFound(f"no message {exchange_id} in the message log")
    return found


def replay(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    exchange_id: int,
    corrected: str | None = None,
    *,
    rules: hl7v2.InboundRules | None = None,
    authority: str = "",
    timezone: str = "UTC",
    provider_id_type: str = "",
    exchanges: _Logs | None = None,
) -> Received:
    """File a refused inbound message again, as sent or as corrected by ``actor``.

    The corrected copy is a new log row (``corrected_from`` = the refused one), and the
    refused one is marked corrected, unchanged otherwise; the audit entry names both
    rows and the SHA-256 of each text, not the text itself. ``rules`` default to the
    site's ``authority``, lab ``timezone`` and ``provider_id_type`` (which of the
    orderer's identifiers is kept), as the listener and the FHIR API read them.
    """
    log = exchanges or default_exchange_log()
    rules = rules or hl7v2.InboundRules(authority, timezone, provider_id_type)
    with uow_factory() as uow:
        original = get_exchange(uow, actor, exchange_id, exchanges=log)
    if original.direction is not Direction.IN or original.status not in _ERRORS:
        raise NotAllowed(
            f"message {exchange_id} is {original.status.value}; only a refused or unfiled "
            "incoming message is replayed"
        )
    text = original.raw if corrected is None else corrected.replace("\r\n", "\r")
    text = text.replace("\n", "\r") if original.transport != "fhir" else text
    if not text.strip():
        raise InvalidInput("message: the corrected text is empty")
    if original.transport == "fhir":
        outcome, new_id = receive_fhir_order(
            uow_factory,
            text,
            authority=authority,
            peer=original.peer,
            kind=original.kind,
            exchanges=log,
            provider_id_type=provider_id_type,
        )
        filed = outcome.filed.case_id if outcome.filed else None
        received = Received(new_id, [], outcome.accepted, outcome.error, filed)
        _link(uow_factory, log, new_id, exchange_id)
    else:
        received = receive_hl7(
            uow_factory,
            text,
            transport=original.transport,
            peer=original.peer,
            rules=rules,
            corrected_from=exchange_id,
            exchanges=log,
        )
    with uow_factory() as uow:
        uow.bind(log).save(replace(original, status=ExchangeStatus.CORRECTED))
        record_audit(
            uow,
            actor,
            "interop_exchange",
            exchange_id,
            AuditAction.UPDATE,
            {"status": original.status.value, "sha256": _digest(original.raw)},
            {
                "status": ExchangeStatus.CORRECTED.value,
                "replayed_as": received.exchange_id,
                "edited": corrected is not None and text != original.raw,
                "sha256": _digest(text),
                "outcome": "accepted" if received.accepted else "refused",
            },
            case_id=received.case_id,
        )
        uow.commit()
    return received


def _link(uow_factory: UnitOfWorkFactory, log: _Logs, new_id: int, original_id: int) -> None:
    with uow_factory() as uow:
        found = uow.bind(log).get(new_id)
        if found is not None:
            uow.bind(log).save(replace(found, corrected_from=original_id))
            uow.commit()


def resend(
    uow: UnitOfWork, actor: Actor, exchange_id: int, *, exchanges: _Logs | None = None
) -> Exchange:
    """Queue an outbound message again (the next ``hl7 send`` delivers it); audited."""
    log = uow.bind(exchanges or default_exchange_log())
    entry = get_exchange(uow, actor, exchange_id, exchanges=exchanges)
    if entry.direction is not Direction.OUT:
        raise NotAllowed(f"message {exchange_id} came in; only outgoing messages are resent")
    if entry.status is ExchangeStatus.QUEUED:
        return entry
    queued = replace(entry, status=ExchangeStatus.QUEUED, error="")
    log.save(queued)
    record_audit(
        uow,
        actor,
        "interop_exchange",
        exchange_id,
        AuditAction.UPDATE,
        {"status": entry.status.value},
        {"status": ExchangeStatus.QUEUED.value},
        case_id=entry.case_id,
    )
    uow.commit()
    return queued


def prune_messages(uow: UnitOfWork, before: datetime, *, exchanges: _Logs | None = None) -> int:
    """Delete messages received before ``before``, except those a person must still act
    on (received, refused, queued, failed); returns how many went."""
    removed = uow.bind(exchanges or default_exchange_log()).delete_before(before, OPEN_STATUSES)
    uow.commit()
    return removed
