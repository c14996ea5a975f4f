"""Shared SQLAlchemy metadata, declarative base and column types for every db module.

One ``MetaData`` for the whole application so that foreign keys between areas
(users -> patient, report -> case) resolve, and one naming convention so that
Alembic migrations written on SQLite and PostgreSQL name constraints identically.
Helpers may declare tables imperatively (``Table(..., metadata)``) or as classes
on ``Base``; both land in the same metadata.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

__all__ = ["NAMING_CONVENTION", "Base", "JsonDocument", "UtcDateTime", "metadata"]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Declarative base bound to the shared metadata (for helpers who prefer classes)."""

    metadata = metadata


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite stores no zone and PostgreSQL returns the session's zone; clinical times
    (last anticoagulant dose, specimen receipt) must compare correctly whichever
    database holds them, so naive datetimes are refused on the way in and every value
    comes back in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone")
        utc = value.astimezone(UTC)
        # SQLite keeps text; store naive UTC so that lexical order is time order.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JsonDocument(TypeDecorator[Any]):
    """JSON column (``json`` on PostgreSQL, text on SQLite) for nested clinical detail."""

    impl = JSON
    cache_ok = True
