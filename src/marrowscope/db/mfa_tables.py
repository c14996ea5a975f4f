"""TOTP secrets and recovery codes of two-step sign-in (Alembic branch "security").

The secret column holds the secret sealed by ``db.mfa_crypto.SecretBox`` (bound to the
row's user id), never the secret itself; the store seals on the way in and opens on the
way out, so the services only ever see the plain secret.

Both single-use rules are one conditional UPDATE each, so that two requests carrying the
same code at the same moment cannot both pass, on SQLite as on PostgreSQL: the TOTP row
takes a time step only if it is later than the last one taken, a recovery code is used
only if it is still unused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.db.mfa_crypto import SecretBox

__all__ = ["SqlSecondFactorStore", "mfa_recovery_codes", "mfa_secrets"]

mfa_secrets = Table(
    "mfa_secrets",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("secret", String(255), nullable=False),  # sealed: "v1:" + base64
    Column("created_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("last_step", BigInteger, nullable=True),
)

mfa_recovery_codes = Table(
    "mfa_recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("code_hash", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)


class SqlSecondFactorStore:
    """``services.accounts.SecondFactorStore`` inside the caller's unit of work."""

    def __init__(self, session: Session, box: SecretBox) -> None:
        self._session = session
        self._box = box

    def secret(self, user_id: int) -> tuple[str, bool] | None:
        row = self._session.execute(
            select(mfa_secrets.c.secret, mfa_secrets.c.confirmed_at).where(
                mfa_secrets.c.user_id == user_id
            )
        ).first()
        if row is None:
            return None
        return self._box.open(user_id, str(row.secret)), row.confirmed_at is not None

    def confirmed(self, user_id: int) -> bool | None:
        """Whether the secret was confirmed (None: no secret), without opening it."""
        row = self._session.execute(
            select(mfa_secrets.c.confirmed_at).where(mfa_secrets.c.user_id == user_id)
        ).first()
        return None if row is None else row.confirmed_at is not None

    def put_unconfirmed(self, user_id: int, secret: str, at: datetime) -> None:
        self._session.execute(delete(mfa_secrets).where(mfa_secrets.c.user_id == user_id))
        sealed = self._box.seal(user_id, secret)
        self._session.execute(
            insert(mfa_secrets).values(user_id=user_id, secret=sealed, created_at=at)
        )

    def confirm(self, user_id: int, at: datetime) -> None:
        self._session.execute(
            update(mfa_secrets).where(mfa_secrets.c.user_id == user_id).values(confirmed_at=at)
        )

    def take_step(self, user_id: int, step: int) -> bool:
        result = self._session.execute(
            update(mfa_secrets)
            .where(
                mfa_secrets.c.user_id == user_id,
                or_(mfa_secrets.c.last_step.is_(None), mfa_secrets.c.last_step < step),
            )
            .values(last_step=step)
            .returning(mfa_secrets.c.user_id)
        )
        return len(result.all()) == 1

    def remove(self, user_id: int) -> None:
        self._session.execute(delete(mfa_secrets).where(mfa_secrets.c.user_id == user_id))
        self._session.execute(
            delete(mfa_recovery_codes).where(mfa_recovery_codes.c.user_id == user_id)
        )

    def replace_recovery_codes(self, user_id: int, hashes: Sequence[str], at: datetime) -> None:
        self._session.execute(
            delete(mfa_recovery_codes).where(mfa_recovery_codes.c.user_id == user_id)
        )
        rows = [{"user_id": user_id, "code_hash": h, "created_at": at} for h in hashes]
        if rows:
            self._session.execute(insert(mfa_recovery_codes), rows)

    def unused_recovery_codes(self, user_id: int) -> list[tuple[int, str]]:
        rows = self._session.execute(
            select(mfa_recovery_codes.c.id, mfa_recovery_codes.c.code_hash)
            .where(mfa_recovery_codes.c.user_id == user_id, mfa_recovery_codes.c.used_at.is_(None))
            .order_by(mfa_recovery_codes.c.id)
        )
        return [(int(row.id), str(row.code_hash)) for row in rows]

    def use_recovery_code(self, code_id: int, at: datetime) -> bool:
        result = self._session.execute(
            update(mfa_recovery_codes)
            .where(mfa_recovery_codes.c.id == code_id, mfa_recovery_codes.c.used_at.is_(None))
            .values(used_at=at)
            .returning(mfa_recovery_codes.c.id)
        )
        return len(result.all()) == 1
