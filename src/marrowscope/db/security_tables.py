"""Failed sign-ins in the database (Alembic branch "security").

The table is the shared memory of every server process: a limit counted per process
would let a guesser spread attempts over processes, or wait for a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Column, Index, Integer, String, Table, delete, func, insert, select
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata

__all__ = ["SqlSignInFailureStore", "sign_in_failures"]

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Index("ix_sign_in_failures_key_failed_at", "key", "failed_at"),
)


class SqlSignInFailureStore:
    """``services.accounts.SignInFailureStore`` inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def recent(self, key: str, since: datetime) -> tuple[int, datetime | None]:
        row = self._session.execute(
            select(func.count(), func.min(sign_in_failures.c.failed_at)).where(
                sign_in_failures.c.key == key, sign_in_failures.c.failed_at > since
            )
        ).one()
        return int(row[0]), row[1]

    def add(self, keys: Sequence[str], at: datetime) -> None:
        self._session.execute(insert(sign_in_failures), [{"key": k, "failed_at": at} for k in keys])

    def clear(self, key: str) -> None:
        self._session.execute(delete(sign_in_failures).where(sign_in_failures.c.key == key))

    def forget_before(self, moment: datetime) -> None:
        self._session.execute(
            delete(sign_in_failures).where(sign_in_failures.c.failed_at <= moment)
        )
