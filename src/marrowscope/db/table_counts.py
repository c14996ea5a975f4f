"""What a database holds, as a backup's manifest records it and a restore is checked against.

Its own module so that the SQLite and PostgreSQL backup paths both use it without
importing each other.
"""

from __future__ import annotations

from sqlalchemy import Connection, MetaData, func, select

__all__ = ["table_counts"]


def table_counts(connection: Connection) -> tuple[list[str], dict[str, int]]:
    """Alembic revisions and every table's row count, as ``connection`` sees them."""
    metadata = MetaData()
    metadata.reflect(connection)
    counts = {
        name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
        for name, table in sorted(metadata.tables.items())
    }
    revisions: list[str] = []
    if "alembic_version" in metadata.tables:
        version = metadata.tables["alembic_version"]
        revisions = sorted(str(r) for r in connection.execute(select(version.c.version_num)))
    return revisions, counts
