"""One message as it crossed the interface: raw, in or out, with what became of it.

The filed-message log (``message_log``) answers "was this already filed?"; this one
answers an interface analyst's questions: what exactly arrived or left, when, what we
answered and why a message was refused. Refused messages are kept as received, so a
corrected copy can be replayed while the original stays on record.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Direction", "Exchange", "ExchangeStatus", "OPEN_STATUSES"]


class Direction(enum.StrEnum):
    """Which way the message went."""

    IN = "in"
    OUT = "out"


class ExchangeStatus(enum.StrEnum):
    """Where a message stands; ``REFUSED`` and ``FAILED`` are the error queue."""

    RECEIVED = "received"  # stored, not yet filed (a crash leaves it here)
    ACCEPTED = "accepted"  # filed (or a true repeat answered again)
    REFUSED = "refused"  # answered AE/AR or an error OperationOutcome
    CORRECTED = "corrected"  # a refused message replaced by a corrected copy
    QUEUED = "queued"  # outbound, waiting for delivery
    SENDING = "sending"  # outbound, taken by one sender (so no other sends it too)
    SENT = "sent"  # outbound, acknowledged AA/CA
    FAILED = "failed"  # outbound, answered AE/AR/CE/CR or never acknowledged


# kept by retention: a person still has to act on them
OPEN_STATUSES = frozenset(
    {
        ExchangeStatus.RECEIVED,
        ExchangeStatus.REFUSED,
        ExchangeStatus.QUEUED,
        ExchangeStatus.SENDING,
        ExchangeStatus.FAILED,
    }
)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One logged message; ``id`` is 0 until stored.

    ``raw`` is the message exactly as received or sent (HL7 ER7 or FHIR JSON); ``answer``
    the ACK or OperationOutcome that went with it; ``corrected_from`` the refused message
    this one is a corrected copy of; ``report_version`` the signed report version an
    outbound result carries, so that no version goes twice to one destination.
    """

    direction: Direction
    transport: str  # mllp, fhir, file
    peer: str  # address or destination, never patient data
    kind: str  # MSH-9 or the FHIR resource type
    control_id: str  # MSH-10, '' for FHIR
    raw: str
    status: ExchangeStatus
    received_at: datetime
    id: int = 0
    error: str = ""
    answer: str = ""
    case_id: int | None = None
    processed_at: datetime | None = None
    attempts: int = 0
    corrected_from: int | None = None
    report_version: int | None = None
