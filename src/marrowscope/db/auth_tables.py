"""Tables and stores for accounts, sessions and counter keymaps (Alembic branch "auth").

Kept apart from the pathway tables: they change for different reasons (who signs in
versus what happened to the patient) and migrate on their own branch.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.accounts.model import (
    Keymap,
    NewUser,
    SessionInfo,
    StoredSession,
    User,
)
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.roles import Role

__all__ = [
    "SqlKeymapStore",
    "SqlSessionStore",
    "SqlUserStore",
    "keymaps",
    "users",
    "web_sessions",
]

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("patient_id", Integer, ForeignKey("patient.id"), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    # branch "auth" 0002: the provider identifier results carry for the signer
    Column("provider_id", String(40), nullable=True),
    Column("provider_id_type", String(10), nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=True),  # branch "security" (idle timeout)
    Column("client", String(64), nullable=True),  # branch "security": the session list
    Column("agent", String(200), nullable=True),
)

keymaps = Table(
    "keymaps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("mapping_json", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("user_id", "name"),
)


def _user(row: Any) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        display_name=row.display_name,
        patient_id=row.patient_id,
        active=bool(row.active),
        provider_id=row.provider_id or "",
        provider_id_type=row.provider_id_type or "",
    )


class SqlUserStore:
    """``services.accounts.UserStore`` on SQLAlchemy Core, inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, new: NewUser) -> User:
        conn = self._session
        result = conn.execute(
            insert(users)
            .values(
                username=new.username,
                role=new.role.value,
                display_name=new.display_name,
                password_hash=new.password_hash,
                patient_id=new.patient_id,
                active=True,
                created_at=datetime.now(UTC),
            )
            .returning(users.c.id)
        )
        user_id = int(result.scalar_one())
        return User(user_id, new.username, new.role, new.display_name, new.patient_id)

    def get(self, user_id: int) -> User | None:
        conn = self._session
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return None if row is None else _user(row)

    def by_username(self, username: str) -> tuple[User, str] | None:
        conn = self._session
        row = conn.execute(select(users).where(users.c.username == username)).first()
        return None if row is None else (_user(row), str(row.password_hash))

    def all(self) -> Sequence[User]:
        conn = self._session
        rows = conn.execute(select(users).order_by(users.c.id)).all()
        return [_user(r) for r in rows]

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        conn = self._session
        conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))

    def set_provider_id(self, user_id: int, provider_id: str, id_type: str) -> None:
        self._session.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(provider_id=provider_id or None, provider_id_type=id_type or None)
        )


class SqlSessionStore:
    """``services.accounts.SessionStore`` on SQLAlchemy Core, inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def create(self, token_hash: str, session: StoredSession) -> None:
        conn = self._session
        conn.execute(
            insert(web_sessions).values(
                token_hash=token_hash,
                user_id=session.user_id,
                csrf_token=session.csrf_token,
                created_at=datetime.now(UTC),
                expires_at=session.expires_at,
                last_seen_at=session.last_seen_at,
                client=session.client[:64],
                agent=session.agent[:200],
            )
        )

    def create_capped(self, token_hash: str, session: StoredSession, cap: int) -> int:
        # The account's row is locked first (PostgreSQL; SQLite's writer lock is already
        # held), so two sign-ins at once queue here and the second one counts the first.
        self._session.execute(
            select(users.c.id).where(users.c.id == session.user_id).with_for_update()
        )
        self.create(token_hash, session)
        owned = web_sessions.c.user_id == session.user_id
        keep = (
            select(web_sessions.c.token_hash)
            .where(owned)
            .order_by(web_sessions.c.created_at.desc(), web_sessions.c.token_hash)
            .limit(cap)
        )
        kept = {str(h) for h in self._session.scalars(keep)} | {token_hash}
        evicted = [
            str(h)
            for h in self._session.scalars(select(web_sessions.c.token_hash).where(owned))
            if str(h) not in kept
        ]
        if evicted:
            self._session.execute(
                delete(web_sessions).where(web_sessions.c.token_hash.in_(evicted))
            )
        return len(evicted)

    def for_user(self, user_id: int) -> list[tuple[str, SessionInfo]]:
        rows = self._session.execute(
            select(web_sessions)
            .where(web_sessions.c.user_id == user_id)
            .order_by(web_sessions.c.created_at.desc())
        )
        return [
            (
                str(row.token_hash),
                SessionInfo(
                    id=str(row.token_hash)[:16],
                    created_at=row.created_at,
                    last_seen_at=row.last_seen_at,
                    client=row.client or "",
                    agent=row.agent or "",
                ),
            )
            for row in rows
        ]

    def get(self, token_hash: str) -> StoredSession | None:
        conn = self._session
        row = conn.execute(
            select(web_sessions).where(web_sessions.c.token_hash == token_hash)
        ).first()
        if row is None:
            return None
        return StoredSession(row.user_id, row.csrf_token, row.expires_at, row.last_seen_at)

    def get_many_with_users(
        self, token_hashes: Collection[str]
    ) -> dict[str, tuple[StoredSession, User | None]]:
        if not token_hashes:
            return {}
        rows = self._session.execute(
            select(
                web_sessions.c.token_hash,
                web_sessions.c.user_id,
                web_sessions.c.csrf_token,
                web_sessions.c.expires_at,
                web_sessions.c.last_seen_at,
                *(column for column in users.c if column.name != "created_at"),
            )
            .select_from(web_sessions.outerjoin(users, users.c.id == web_sessions.c.user_id))
            .where(web_sessions.c.token_hash.in_(sorted(token_hashes)))
        )
        return {
            row.token_hash: (
                StoredSession(row.user_id, row.csrf_token, row.expires_at, row.last_seen_at),
                None if row.id is None else _user(row),
            )
            for row in rows
        }

    def touch_many(self, token_hashes: Collection[str], at: datetime) -> None:
        if token_hashes:
            self._session.execute(
                update(web_sessions)
                .where(web_sessions.c.token_hash.in_(sorted(token_hashes)))
                .values(last_seen_at=at)
            )

    def touch(self, token_hash: str, at: datetime) -> None:
        self._session.execute(
            update(web_sessions)
            .where(web_sessions.c.token_hash == token_hash)
            .values(last_seen_at=at)
        )

    def delete_for_user(self, user_id: int, *, keep: str | None = None) -> int:
        condition = web_sessions.c.user_id == user_id
        if keep is not None:
            condition = condition & (web_sessions.c.token_hash != keep)
        result = self._session.execute(
            delete(web_sessions).where(condition).returning(web_sessions.c.token_hash)
        )
        return len(result.all())

    def delete(self, token_hash: str) -> None:
        conn = self._session
        conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))

    def delete_expired(self, now: datetime) -> int:
        conn = self._session
        # A plain DELETE, the transaction's first statement (see AuthService.sign_in).
        result = conn.execute(
            delete(web_sessions)
            .where(web_sessions.c.expires_at <= now)
            .returning(web_sessions.c.token_hash)
        )
        return len(result.all())


class SqlKeymapStore:
    """``services.counting.KeymapStore`` on SQLAlchemy Core, inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def for_user(self, user_id: int) -> Sequence[Keymap]:
        conn = self._session
        rows = conn.execute(
            select(keymaps).where(keymaps.c.user_id == user_id).order_by(keymaps.c.name)
        ).all()
        return [
            Keymap(r.name, {k: CellClass(v) for k, v in json.loads(r.mapping_json).items()})
            for r in rows
        ]

    def put(self, user_id: int, keymap: Keymap) -> None:
        name = keymap.name
        text = json.dumps({k: v.value for k, v in keymap.keys.items()}, sort_keys=True)
        now = datetime.now(UTC)
        conn = self._session
        exists = conn.execute(
            select(keymaps.c.id).where(keymaps.c.user_id == user_id, keymaps.c.name == name)
        ).first()
        if exists is not None:
            conn.execute(
                update(keymaps)
                .where(keymaps.c.id == exists.id)
                .values(mapping_json=text, updated_at=now)
            )
        else:
            conn.execute(
                insert(keymaps).values(
                    user_id=user_id, name=name, mapping_json=text, updated_at=now
                )
            )

    def remove(self, user_id: int, name: str) -> None:
        conn = self._session
        conn.execute(delete(keymaps).where(keymaps.c.user_id == user_id, keymaps.c.name == name))
