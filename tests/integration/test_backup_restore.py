"""Backup and restore (issue 17 §4): every table comes back row for row, and the signed
report's PDF from the restored database is byte-identical to the original's.

SQLite always; PostgreSQL (``pg_dump``/``pg_restore``) where
``MARROWSCOPE_TEST_POSTGRES_URL`` is set, each database a new one (``pg_dump`` copies a
database, not a schema).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from marrowscope.bootstrap import (
    Settings,
    backup_database,
    build_engine,
    build_uow_factory,
    new_backup_key,
    prepare_demo,
    restore_database,
)
from marrowscope.cli.app import app
from marrowscope.db.backup import manifest_path
from marrowscope.db.backup_postgres import find_tool
from marrowscope.domain.errors import BackupFailed
from marrowscope.domain.roles import Actor, Role
from marrowscope.reports.pdf import render_pdf
from marrowscope.services import reporting
from tests.db_support import POSTGRES_ENV, postgres_base_url, postgres_database_url

PATHOLOGIST = Actor("pathologist", Role.PATHOLOGIST)
KEY = new_backup_key()


def _keyed(database_url: str) -> Settings:
    """Settings on ``database_url`` with this module's backup key."""
    return Settings(database_url=database_url, backup_key=KEY)


@contextmanager
def _empty_database(backend: str, folder: Path, name: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / name}.db"
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    with postgres_database_url(base) as url:
        yield url


def _all_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (reflected), in primary-key or column order."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            out: dict[str, list[tuple[Any, ...]]] = {}
            for name, table in metadata.tables.items():
                order = list(table.primary_key.columns) or list(table.columns)
                out[name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*order))]
            return out
    finally:
        engine.dispose()


def _signed_pdfs(settings: Settings, case_id: int) -> tuple[bytes, bytes]:
    """The stored PDF of the signed report, and a fresh rendering of the same version."""
    engine = build_engine(settings)
    try:
        with build_uow_factory(engine)() as uow:
            stored = reporting.report_pdf(uow, PATHOLOGIST, case_id)
            fresh = render_pdf(reporting.report_view(uow, PATHOLOGIST, case_id))
        return stored, fresh
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_restore_into_an_empty_database_gives_back_every_row_and_the_same_signed_pdf(
    backend: str, tmp_path: Path
) -> None:
    with (
        _empty_database(backend, tmp_path, "source") as source_url,
        _empty_database(backend, tmp_path, "target") as target_url,
    ):
        source = _keyed(database_url=source_url)
        case_id = prepare_demo(source).case_id
        stored_before, _ = _signed_pdfs(source, case_id)
        backup = tmp_path / "marrowscope.backup"

        made = backup_database(backup, source)
        restored = restore_database(backup, _keyed(database_url=target_url))

        assert made == restored
        assert made.rows > 0
        before, after = _all_rows(source_url), _all_rows(target_url)
        assert sorted(after) == sorted(before)
        assert before["patient"] and before["report_version"]
        for table in before:
            assert after[table] == before[table], table
        stored_after, fresh_after = _signed_pdfs(_keyed(database_url=target_url), case_id)
        assert stored_after == stored_before
        assert fresh_after == stored_before


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backup")
    settings = _keyed(database_url=f"sqlite:///{folder / 'source.db'}")
    prepare_demo(settings)
    backup = folder / "demo.backup"
    backup_database(backup, settings)
    return backup


def test_a_restore_into_a_database_with_tables_is_refused_and_says_what_to_do(
    sqlite_backup: Path, tmp_path: Path
) -> None:
    target = _keyed(database_url=f"sqlite:///{tmp_path / 'busy.db'}")
    prepare_demo(target)
    rows_before = _all_rows(target.database_url)

    with pytest.raises(BackupFailed, match="empty database.*new SQLite file"):
        restore_database(sqlite_backup, target)

    assert _all_rows(target.database_url) == rows_before


def test_a_damaged_backup_is_refused_before_anything_is_written(
    sqlite_backup: Path, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(sqlite_backup.read_bytes()[:-4096])
    manifest_path(damaged).write_bytes(manifest_path(sqlite_backup).read_bytes())
    target = tmp_path / "target.db"

    with pytest.raises(BackupFailed, match="does not match its manifest"):
        restore_database(damaged, _keyed(database_url=f"sqlite:///{target}"))

    assert not target.exists()


def test_a_backup_without_its_manifest_is_refused(sqlite_backup: Path, tmp_path: Path) -> None:
    alone = tmp_path / "alone.backup"
    alone.write_bytes(sqlite_backup.read_bytes())

    with pytest.raises(BackupFailed, match="manifest.json is missing"):
        restore_database(alone, _keyed(database_url=f"sqlite:///{tmp_path / 't.db'}"))


def test_a_backup_never_overwrites_a_file(sqlite_backup: Path, tmp_path: Path) -> None:
    existing = tmp_path / "existing.backup"
    existing.write_bytes(b"keep me")

    with pytest.raises(BackupFailed, match="already exists"):
        backup_database(existing, _keyed(database_url=f"sqlite:///{tmp_path / 's.db'}"))

    assert existing.read_bytes() == b"keep me"


def test_missing_postgresql_tools_are_named_with_the_package_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(BackupFailed, match="postgresql-client"):
        find_tool("pg_dump", None)
    with pytest.raises(BackupFailed, match="MARROWSCOPE_PG_BIN_DIR"):
        find_tool("pg_restore", tmp_path)


def test_the_cli_backs_up_restores_and_refuses_in_one_line(
    sqlite_backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("MARROWSCOPE_BACKUP_KEY", KEY)

    restored = runner.invoke(app, ["restore", str(sqlite_backup)])
    again = runner.invoke(app, ["restore", str(sqlite_backup)])
    backed_up = runner.invoke(app, ["backup", str(tmp_path / "again.backup")])

    assert restored.exit_code == 0, restored.output
    assert "row counts verified" in restored.output
    assert again.exit_code == 2
    assert again.output.count("\n") == 1 and again.output.startswith("error: ")
    assert "Traceback" not in again.output
    assert backed_up.exit_code == 0, backed_up.output
    assert (tmp_path / "again.backup.manifest.json").is_file()
