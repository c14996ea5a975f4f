"""Database URLs for tests: a SQLite file in tmp_path, or a fresh PostgreSQL schema.

PostgreSQL runs when ``MARROWSCOPE_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it).
Each test gets its own schema (``search_path`` set through the URL's ``options``), so
tests never see each other's rows and the schema is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

POSTGRES_ENV = "MARROWSCOPE_TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    """The PostgreSQL test server, or None when the suite runs on SQLite only."""
    return os.environ.get(POSTGRES_ENV) or None


def sqlite_url(folder: Path) -> str:
    """A SQLite file database inside ``folder``."""
    return f"sqlite:///{folder / 'marrowscope.db'}"


@contextmanager
def postgres_schema_url(base_url: str) -> Iterator[str]:
    """A URL whose connections all use a new, empty schema; drops it on exit."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in base_url else "?"
        yield f"{base_url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``backend`` ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path)
        return
    base = postgres_base_url()
    if base is None:
        import pytest

        pytest.skip(f"{POSTGRES_ENV} is not set")
    with postgres_schema_url(base) as url:
        yield url


@contextmanager
def postgres_database_url(base_url: str) -> Iterator[str]:
    """A URL of a new, empty PostgreSQL database; dropped on exit.

    For what works on a whole database rather than a schema (``pg_dump``/``pg_restore``).
    """
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield sa.make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


WEB_BACKEND_ENV = "MARROWSCOPE_TEST_WEB_BACKEND"
# The ``web_database`` fixture (tests/conftest.py): make(name, backend=None) -> URL.
WebDatabase = Callable[..., str]


def web_backend() -> str:
    """Where the web and API tests put their database: "sqlite" unless asked otherwise.

    ``make test-web-postgres`` sets ``MARROWSCOPE_TEST_WEB_BACKEND=postgresql`` to run them
    all on PostgreSQL; the default job runs them on SQLite and one representative module
    (the API walk) on both, so the suite's time stays sane.
    """
    chosen = os.environ.get(WEB_BACKEND_ENV, "sqlite")
    if chosen not in ("sqlite", "postgresql"):
        raise ValueError(f"{WEB_BACKEND_ENV} must be sqlite or postgresql, not {chosen!r}")
    return chosen
