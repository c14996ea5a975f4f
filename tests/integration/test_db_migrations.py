"""Migrations: every branch reaches its head on SQLite and PostgreSQL, and SQLite is safe."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import (
    current_revisions,
    head_revisions,
    pending_revisions,
    upgrade_database,
)
from tests.db_support import database_url

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_reaches_every_head_and_is_idempotent(backend: str, tmp_path: Path) -> None:
    with database_url(backend, tmp_path) as url:
        first = upgrade_database(url)
        second = upgrade_database(url)

        assert first == second == current_revisions(url)
        assert pending_revisions(url) == []
        # a head that another branch depends on is recorded through that branch
        assert set(head_revisions()) <= set(first) | _depended_on()
        assert "pathway_0001" in _ancestry_bases()
        tables = set(sa.inspect(make_engine(url)).get_table_names())
        assert {"patient", "exam_case", "audit_log", "alembic_version"} <= tables


def _depended_on() -> set[str]:
    from alembic.script import ScriptDirectory

    from marrowscope.db.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {str(d) for r in script.walk_revisions() for d in (r._resolved_dependencies or ())}


def _ancestry_bases() -> set[str]:
    from alembic.script import ScriptDirectory

    from marrowscope.db.migrate import alembic_config

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_bases())


def test_a_new_database_has_every_revision_pending(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"

    assert "pathway_0001" in pending_revisions(url)


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade_database(url)
    engine = make_engine(url)

    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO exam_case (patient_id, opened_at, opened_by, status, reason_closed) "
            "VALUES (999, '2026-01-01 00:00:00', 'x', 'open', '')"
        )
