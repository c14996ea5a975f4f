"""Sign-in limits and account notices in the database (Alembic branch "security").

The limits table is the shared memory of every server process: a limit counted per
process would let a guesser spread attempts over processes, or wait for a restart. One
row per key, locked while an attempt is checked and counted, is what makes the check
and the count one step (``services.accounts.sign_in_limits``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.accounts.limits import LimitState

__all__ = ["SqlAccountNoticeStore", "SqlSignInLimitStore", "account_notices", "sign_in_limits"]

sign_in_limits = Table(
    "sign_in_limits",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("since", UtcDateTime, nullable=True),
    Column("blocked_until", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_sign_in_limits_updated_at", "updated_at"),
)

account_notices = Table(
    "account_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("text", Text, nullable=False),
    Column("seen_at", UtcDateTime, nullable=True),
)


class SqlSignInLimitStore:
    """``services.accounts.SignInLimitStore`` inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def lock(self, keys: Sequence[str], at: datetime) -> dict[str, LimitState]:
        # Create the missing rows first (a no-op on a conflict), then read them under a
        # row lock: two first-ever attempts on one key still queue on the same row.
        dialect = self._session.get_bind().dialect.name
        epoch = {"failures": 0, "since": None, "blocked_until": None}
        rows = [{"key": key, **epoch, "updated_at": at} for key in keys]
        if dialect in ("postgresql", "sqlite") and rows:
            make = postgresql.insert if dialect == "postgresql" else sqlite.insert
            self._session.execute(make(sign_in_limits).on_conflict_do_nothing(), rows)
        query = select(sign_in_limits).where(sign_in_limits.c.key.in_(keys))
        found = {
            row.key: LimitState(row.failures, row.since, row.blocked_until)
            for row in self._session.execute(query.order_by(sign_in_limits.c.key).with_for_update())
        }
        missing = [row for row in rows if row["key"] not in found]
        if missing:  # another database: plain inserts, the transaction keeps them
            self._session.execute(insert(sign_in_limits), missing)
        return {key: found.get(key, LimitState()) for key in keys}

    def save(self, states: Mapping[str, LimitState], at: datetime) -> None:
        for key, state in states.items():
            self._session.execute(
                update(sign_in_limits)
                .where(sign_in_limits.c.key == key)
                .values(
                    failures=state.failures,
                    since=state.since,
                    blocked_until=state.blocked_until,
                    updated_at=at,
                )
            )

    def forget_before(self, moment: datetime) -> None:
        self._session.execute(delete(sign_in_limits).where(sign_in_limits.c.updated_at < moment))


class SqlAccountNoticeStore:
    """``services.accounts.AccountNoticeStore``: what an account holder is told at sign-in."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user_id: int, text: str, at: datetime) -> None:
        self._session.execute(
            insert(account_notices).values(user_id=user_id, text=text, created_at=at)
        )

    def take_unseen(self, user_id: int, at: datetime) -> list[str]:
        unseen = account_notices.c.user_id == user_id, account_notices.c.seen_at.is_(None)
        texts = list(
            self._session.scalars(
                select(account_notices.c.text).where(*unseen).order_by(account_notices.c.id)
            )
        )
        if texts:
            self._session.execute(update(account_notices).where(*unseen).values(seen_at=at))
        return texts
