"""Tables and the repository of case scoping: the units (wards, laboratories) each staff
account works in, and break-glass grants (Alembic branch "audit", ``audit_0002``).

A grant row is never updated or deleted: it is the privacy officer's record of who
opened which case outside their units, and why, beside the audit entries of each read.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

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
)
from sqlalchemy.orm import Session

from marrowscope.db.auth_tables import users
from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.cases.access import AccessPolicy, BreakGlassGrant
from marrowscope.domain.errors import NotFound
from marrowscope.domain.roles import Actor, Role

__all__ = ["SqlAccessRepository", "break_glass_grant", "user_unit"]

user_unit = Table(
    "user_unit",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("unit", String(40), primary_key=True),
)

break_glass_grant = Table(
    "break_glass_grant",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("granted_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_break_glass_grant_user_expiry", "username", "expires_at"),
)


def _grant(row: Any) -> BreakGlassGrant:
    return BreakGlassGrant(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        case_id=row.case_id,
        reason=row.reason,
        granted_at=row.granted_at,
        expires_at=row.expires_at,
    )


class SqlAccessRepository:
    """``services.unit_of_work.AccessRepository`` on SQLAlchemy Core."""

    def __init__(self, session: Session, policy: AccessPolicy) -> None:
        self._session = session
        self._policy = policy

    @property
    def policy(self) -> AccessPolicy:
        return self._policy

    def units_of(self, user_id: int) -> frozenset[str]:
        query = select(user_unit.c.unit).where(user_unit.c.user_id == user_id)
        return frozenset(self._session.execute(query).scalars())

    def set_units(self, user_id: int, units: Collection[str]) -> None:
        found = self._session.execute(select(users.c.id).where(users.c.id == user_id)).first()
        if found is None:  # the foreign key would refuse it too, as a server error
            raise NotFound(f"no user {user_id}")
        self._session.execute(delete(user_unit).where(user_unit.c.user_id == user_id))
        if units:
            self._session.execute(
                insert(user_unit), [{"user_id": user_id, "unit": u} for u in sorted(units)]
            )

    def add_grant(
        self, actor: Actor, case_id: int, reason: str, *, at: datetime, until: datetime
    ) -> BreakGlassGrant:
        new_id = self._session.execute(
            insert(break_glass_grant)
            .values(
                username=actor.username,
                role=actor.role.value,
                case_id=case_id,
                reason=reason,
                granted_at=at,
                expires_at=until,
            )
            .returning(break_glass_grant.c.id)
        ).scalar_one()
        return BreakGlassGrant(new_id, actor.username, actor.role, case_id, reason, at, until)

    def live_grants(self, username: str, now: datetime) -> Sequence[BreakGlassGrant]:
        query = (
            select(break_glass_grant)
            .where(break_glass_grant.c.username == username)
            .where(break_glass_grant.c.expires_at > now)
            .order_by(break_glass_grant.c.id)
        )
        return [_grant(r) for r in self._session.execute(query)]

    def recent_grants(self, *, limit: int = 200) -> Sequence[BreakGlassGrant]:
        query = select(break_glass_grant).order_by(break_glass_grant.c.id.desc()).limit(limit)
        return [_grant(r) for r in self._session.execute(query)]
