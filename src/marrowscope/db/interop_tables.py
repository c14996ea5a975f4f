"""The log of incoming HL7 messages that were filed (Alembic branch "interop").

One row per filed message, unique on (sender, MSH-10): a sender that repeats a message
(a lost ACK, a resend after a timeout) gets its ACK again without a second count. The
order id (OBR-3/OBR-2) finds the record a later final or corrected result supersedes.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.interop.message_log import LoggedMessage

__all__ = ["SqlMessageLog", "interop_message"]

interop_message = Table(
    "interop_message",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender", String(200), nullable=False),
    Column("control_id", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("order_id", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    # SHA-256 of the message content and the answer sent (interop_0002): a reused MSH-10
    # with other content is refused, a true repeat gets the original answer again
    Column("digest", String(64), nullable=False, server_default="", default=""),
    Column("answer", Text, nullable=False, server_default="", default=""),
    UniqueConstraint("sender", "control_id", name="uq_interop_message_sender"),
    Index("ix_interop_message_order", "sender", "order_id"),
)


def _row(r: object) -> LoggedMessage:
    m = r._mapping  # type: ignore[attr-defined]
    return LoggedMessage(
        sender=m["sender"],
        control_id=m["control_id"],
        kind=m["kind"],
        order_id=m["order_id"],
        status=m["status"],
        case_id=m["case_id"],
        record_id=m["record_id"],
        received_at=m["received_at"],
        digest=m["digest"] or "",
        answer=m["answer"] or "",
    )


class SqlMessageLog:
    """``services.interop.MessageLog`` on the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, sender: str, control_id: str) -> LoggedMessage | None:
        row = self._session.execute(
            select(interop_message).where(
                interop_message.c.sender == sender, interop_message.c.control_id == control_id
            )
        ).first()
        return _row(row) if row is not None else None

    def latest_for_order(self, sender: str, order_id: str) -> LoggedMessage | None:
        row = self._session.execute(
            select(interop_message)
            .where(interop_message.c.sender == sender, interop_message.c.order_id == order_id)
            .order_by(interop_message.c.id.desc())
        ).first()
        return _row(row) if row is not None else None

    def add(self, message: LoggedMessage) -> None:
        self._session.execute(
            insert(interop_message).values(
                sender=message.sender[:200],
                control_id=message.control_id[:200],
                kind=message.kind,
                order_id=message.order_id[:200],
                status=message.status,
                case_id=message.case_id,
                record_id=message.record_id,
                received_at=message.received_at,
                digest=message.digest,
                answer=message.answer,
            )
        )

    def set_answer(self, sender: str, control_id: str, digest: str, answer: str) -> None:
        self._session.execute(
            update(interop_message)
            .where(interop_message.c.sender == sender, interop_message.c.control_id == control_id)
            .values(digest=digest, answer=answer)
        )
