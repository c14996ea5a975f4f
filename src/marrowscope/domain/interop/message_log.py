"""One filed incoming message, as the interop log keeps it.

A sender that repeats a message (same MSH-10, e.g. after a lost ACK) must get its ACK
again without a second result being filed, and a later final or corrected result must
find the record it supersedes: both are looked up in this log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["LoggedMessage"]


@dataclass(frozen=True, slots=True)
class LoggedMessage:
    """One filed message: who sent it (MSH-3^MSH-4), its MSH-10, what it filed where."""

    sender: str
    control_id: str
    kind: str  # e.g. "ORU^R01"
    order_id: str  # OBR-3 filler (else OBR-2 placer) order number; '' when none
    status: str  # final, preliminary, corrected
    case_id: int
    record_id: int
    received_at: datetime
    # SHA-256 of the content (``digest`` in ``interop.hl7v2``) and the answer sent: a
    # reused control id with other content is an error, a true repeat gets this answer
    digest: str = ""
    answer: str = ""
