"""Alembic environment: runs migrations on the engine built by ``marrowscope.db.engine``.

The connection comes from ``config.attributes["connection"]`` when a caller (tests,
``upgrade_database``) already holds one, otherwise from the ``sqlalchemy.url`` option.
SQLite runs in batch mode because it cannot ALTER most constraints in place.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import marrowscope.db.all_tables  # noqa: F401  (registers every table in metadata)
from marrowscope.db.base import metadata
from marrowscope.db.engine import make_engine

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against a live database (the only mode marrowscope uses)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set for the migration")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; give a database URL")
run_migrations_online()
