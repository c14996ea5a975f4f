"""Engines and session factories from a database URL.

SQLite is the embedded default: foreign keys are off by default there and must be
switched on for every connection, and write-ahead logging lets the web app read
while a writer commits and survives a killed writer without a torn database;
``synchronous=FULL`` makes every acknowledged commit survive a power loss too.
PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "READ_ONLY_OPTION",
    "SQLITE_SYNCHRONOUS",
    "make_engine",
    "make_session_factory",
    "normalise_url",
]

# execution option of a connection whose transaction only reads (db/unit_of_work.py)
READ_ONLY_OPTION = "marrowscope_read_only"

_SQLITE_BUSY_TIMEOUT_MS = 10_000
# FULL, not WAL's usual NORMAL: under NORMAL a commit is durable only at the next
# checkpoint, so a power loss can drop writes the app already acknowledged; for clinical
# records that is not acceptable. FULL syncs the WAL at every commit (SQLite docs,
# "PRAGMA synchronous"); its cost is measured by benchmarks/sqlite_synchronous.py.
SQLITE_SYNCHRONOUS = "FULL"


def normalise_url(url: str) -> str:
    """The URL with the driver this project uses (psycopg 3 for PostgreSQL)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class _NoRows(logging.Filter):
    """Drops SQLAlchemy's DEBUG lines that print result rows (``Row (...)``).

    Rows are patient records; an operator who turns logging up to DEBUG to chase a fault
    must not get names, MRNs and dates of birth in the log. Statements stay, and their
    parameters are hidden by ``hide_parameters``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(("Row ", "Col ")))


_SQL_LOGGER = logging.getLogger("sqlalchemy.engine.Engine")
if not any(isinstance(f, _NoRows) for f in _SQL_LOGGER.filters):
    _SQL_LOGGER.addFilter(_NoRows())


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file if it is missing.

    ``hide_parameters``: bound values (patient data) appear neither in SQL logs nor in
    the messages of database errors.
    """
    parsed = make_url(normalise_url(url))
    kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": _SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(parsed, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
    return engine


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling begins lazily and would let a SELECT run
        # outside the transaction; take control so BEGIN is explicit (SQLAlchemy docs,
        # "Serializable isolation / Savepoints / Transactional DDL").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at BEGIN: a deferred transaction that reads and
        # then writes can fail at once with "database is locked" when another writer got
        # there first (SQLite skips the busy handler to avoid deadlock). Readers are not
        # blocked under WAL; writers queue on busy_timeout instead of failing.
        # A unit declared read-only takes no lock: under WAL it reads a snapshot while
        # writers go on, and it never waits for them.
        read = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that do not expire objects on commit (services return plain values)."""
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)
