"""A committed clinical write survives a power loss: SQLite syncs the WAL at every commit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from marrowscope.db.engine import make_engine


def test_a_sqlite_file_runs_in_wal_with_full_synchronous(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'durable.db'}")

    with engine.connect() as connection:
        journal = connection.execute(text("PRAGMA journal_mode")).scalar_one()
        synchronous = connection.execute(text("PRAGMA synchronous")).scalar_one()
    engine.dispose()

    assert journal == "wal"
    assert synchronous == 2  # FULL; NORMAL (1) may lose acknowledged commits on power loss
