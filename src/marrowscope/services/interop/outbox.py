"""Signed reports out to the EHR over MLLP, queued without anyone naming the case.

A pass (``send_pass``, what ``marrowscope hl7 send`` runs, once or every N seconds)
finds each case's newest signed version (original, amendment or addendum) that has no
message in the log for the destination yet, builds its ORU^R01 with the ordinary export
(an amendment or addendum as a corrected result), stores it queued, then delivers every
queued message for the destination. The log is the outbox's only memory, so a restart
resumes where the last pass stopped, and the unique index on (destination, case,
version) keeps a version from being queued twice even by two senders at once.

Delivery takes each message first (``claim``: queued -> sending, one conditional
update), so two senders never send the same row; a sender that died mid-delivery leaves
its row ``sending`` and the next pass after ``stale_after`` queues it again (the EHR
recognises the repeated MSH-10). A message that got no acknowledgement (receiver down)
is tried again on the next pass; one answered AE/AR/CE/CR waits in the error queue for a
person, because the same content would be refused again. The reports area is reached
only through ``signed_report`` and the database query (``ReportOutbox``), never
imported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from marrowscope.domain.errors import Conflict, MarrowscopeError, NotAllowed
from marrowscope.domain.interop.exchange import Direction, Exchange, ExchangeStatus
from marrowscope.domain.roles import Actor
from marrowscope.interop import hl7v2
from marrowscope.interop.codes import ExportSite
from marrowscope.interop.mllp.client import Delivery
from marrowscope.services.interop.exchange_log import ExchangeLog, default_exchange_log
from marrowscope.services.interop.export import export_case_hl7
from marrowscope.services.interop.signed_report import signed_report
from marrowscope.services.interop.transport import header_of
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:
    from marrowscope.services.account_stores import AccountStores

__all__ = [
    "Outbound",
    "ReportOutbox",
    "deliver_queued",
    "queue_report",
    "queue_unsent",
    "send_pass",
]

_Logs = Callable[[Any], ExchangeLog]
Sender = Callable[[bytes], Delivery]
_NO_ACK = "no acknowledgement"
_log = logging.getLogger("marrowscope.interop")


class ReportOutbox(Protocol):
    """Which newest signed versions have no message for a destination yet
    (``db.interop_outbox.SqlReportOutbox``)."""

    def unsent(
        self, destination: str, since: datetime, limit: int = 200
    ) -> list[tuple[int, int]]: ...


def _default_outbox() -> Callable[[Any], ReportOutbox]:
    # imported when first needed, so that the use cases import no database code
    from marrowscope.db.interop_outbox import SqlReportOutbox

    return SqlReportOutbox


@dataclass(frozen=True, slots=True)
class Outbound:
    """Where results go and how they name the site: the destination (HOST:PORT, also
    the log's peer), MSH-5 and MSH-4, and the hospital's identifier systems."""

    destination: str
    receiving: str = "HIS"
    facility: str = hl7v2.APP
    site: ExportSite | None = None


def queue_report(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: AccountStores | None = None,
    receiving: str = "HIS",
    facility: str = hl7v2.APP,
    destination: str = "",
    exchanges: _Logs | None = None,
    site: ExportSite | None = None,
) -> Exchange:
    """The case's newest signed version as an ORU^R01, queued for ``destination``
    (the export is audited); the message already logged for that version and
    destination when there is one, so no version is queued twice."""
    report = signed_report(uow, actor, case_id)
    if report is None:
        raise NotAllowed(f"case {case_id} has no signed report; nothing was queued")
    log = uow.bind(exchanges or default_exchange_log())
    if report.version:
        found = log.for_report(destination, case_id, report.version)
        if found is not None:
            return found
    text = export_case_hl7(
        uow, actor, case_id, stores=stores, receiving=receiving, facility=facility, site=site
    )
    kind, control = header_of(text)
    entry = log.add(
        Exchange(
            Direction.OUT,
            "mllp",
            destination,
            kind,
            control,
            text,
            ExchangeStatus.QUEUED,
            uow.now(),
            case_id=case_id,
            report_version=report.version or None,
        )
    )
    uow.commit()
    return entry


def queue_unsent(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    outbound: Outbound,
    *,
    since: datetime,
    stores: AccountStores | None = None,
    exchanges: _Logs | None = None,
    outbox: Callable[[Any], ReportOutbox] | None = None,
) -> list[Exchange]:
    """Queue every newest signed version signed since ``since`` that has no message for
    the destination yet; each case in its own transaction, so one that cannot be
    exported (logged by case number and error type) holds up no other."""
    with uow_factory() as uow:
        found = uow.bind(outbox or _default_outbox()).unsent(outbound.destination, since)
    queued = []
    for case_id, version in found:
        try:
            with uow_factory() as uow:
                entry = queue_report(
                    uow, actor, case_id, stores=stores, receiving=outbound.receiving,
                    facility=outbound.facility, destination=outbound.destination,
                    exchanges=exchanges, site=outbound.site,
                )  # fmt: skip
        except Conflict:
            continue  # another sender queued it between the query and the insert
        except MarrowscopeError as error:
            _log.warning(
                "interop outbox: case %d version %d not queued (%s)",
                case_id,
                version,
                type(error).__name__,
            )
            continue
        queued.append(entry)
        _log.info("interop outbox: case %d version %d queued as %d", case_id, version, entry.id)
    return queued


def _pending(entry: Exchange, destination: str, retry_unacknowledged: bool) -> bool:
    if entry.direction is not Direction.OUT:
        return False
    if destination and entry.peer not in (destination, ""):
        return False  # queued for another receiver
    if entry.status is ExchangeStatus.QUEUED:
        return True
    return retry_unacknowledged and entry.error.startswith(_NO_ACK)


def _outcome(delivery: Delivery) -> tuple[ExchangeStatus, str]:
    if delivery.accepted:
        return ExchangeStatus.SENT, ""
    if delivery.code:
        return ExchangeStatus.FAILED, f"answered {delivery.code}"
    return ExchangeStatus.FAILED, f"{_NO_ACK}: {delivery.error}"


def _claim(uow_factory: UnitOfWorkFactory, log: _Logs, entry: Exchange) -> Exchange | None:
    with uow_factory() as uow:
        taken: bool = uow.bind(log).claim(entry.id, uow.now(), entry.status)
        uow.commit()
    return replace(entry, status=ExchangeStatus.SENDING) if taken else None


def deliver_queued(
    uow_factory: UnitOfWorkFactory,
    send: Sender,
    *,
    destination: str = "",
    exchanges: _Logs | None = None,
    retry_unacknowledged: bool = True,
    stale_after: timedelta = timedelta(minutes=15),
) -> list[Exchange]:
    """Send every queued message for ``destination`` ('' : every queued one), oldest
    first, each taken before it is sent; each ends SENT (AA/CA) or FAILED.

    ``retry_unacknowledged`` also takes the failed ones that never got an answer;
    ``stale_after`` is how long a message may stay taken by a sender that never
    finished before it is queued again.
    """
    log = exchanges or default_exchange_log()
    with uow_factory() as uow:
        uow.bind(log).release_stale(uow.now() - stale_after)
        uow.commit()
        waiting = uow.bind(log).with_status([ExchangeStatus.QUEUED, ExchangeStatus.FAILED])
    done = []
    for entry in (e for e in waiting if _pending(e, destination, retry_unacknowledged)):
        taken = _claim(uow_factory, log, entry)
        if taken is None:
            continue  # another sender has it
        delivery = send(entry.raw.encode("utf-8"))
        status, error = _outcome(delivery)
        with uow_factory() as uow:
            updated = replace(
                taken,
                status=status,
                error=error,
                answer=delivery.answer.decode("utf-8", "replace"),
                attempts=entry.attempts + delivery.attempts,
                peer=destination or entry.peer,
                processed_at=uow.now(),
            )
            uow.bind(log).save(updated)
            uow.commit()
        done.append(updated)
    return done


def send_pass(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    send: Sender,
    outbound: Outbound,
    *,
    since: datetime,
    cases: Iterable[int] = (),
    stores: AccountStores | None = None,
    exchanges: _Logs | None = None,
    outbox: Callable[[Any], ReportOutbox] | None = None,
) -> tuple[list[Exchange], list[Exchange]]:
    """One pass of the outbox: the named ``cases`` first (refused without a signed
    report), then every unsent signed version, then delivery. Returns what was queued
    and what was delivered (sent or failed)."""
    queued = []
    for case_id in cases:
        with uow_factory() as uow:
            queued.append(
                queue_report(
                    uow,
                    actor,
                    case_id,
                    stores=stores,
                    receiving=outbound.receiving,
                    facility=outbound.facility,
                    destination=outbound.destination,
                    exchanges=exchanges,
                    site=outbound.site,
                )  # fmt: skip
            )
    queued += queue_unsent(
        uow_factory, actor, outbound, since=since, stores=stores, exchanges=exchanges,
        outbox=outbox,
    )  # fmt: skip
    delivered = deliver_queued(
        uow_factory, send, destination=outbound.destination, exchanges=exchanges
    )
    return queued, delivered
