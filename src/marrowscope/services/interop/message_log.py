"""The log of filed incoming messages: the port the HL7 import writes through.

Kept as a Protocol so that the use case stays free of SQLAlchemy; the SQL store is
``db.interop_tables.SqlMessageLog`` (found lazily, as the report store is).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from marrowscope.domain.interop.message_log import LoggedMessage

__all__ = ["MessageLog", "default_log"]


class MessageLog(Protocol):
    """Filed incoming messages (``db.interop_tables.SqlMessageLog``)."""

    def find(self, sender: str, control_id: str) -> LoggedMessage | None: ...

    def latest_for_order(self, sender: str, order_id: str) -> LoggedMessage | None: ...

    def add(self, message: LoggedMessage) -> None: ...

    def set_answer(self, sender: str, control_id: str, digest: str, answer: str) -> None:
        """Keep the content digest and the answer sent with the filed message."""
        ...


def default_log() -> Callable[[Any], MessageLog]:
    # imported when first needed, so that the use case imports no database code
    from marrowscope.db.interop_tables import SqlMessageLog

    return SqlMessageLog
