"""``marrowscope backup FILE`` and ``marrowscope restore FILE``: the whole database.

SQLite through its online backup API, PostgreSQL through ``pg_dump``/``pg_restore``
(``db/backup.py``); both write a manifest beside FILE and a restore is verified against
it. A restore goes into an empty database only (docs: README, "Backups").
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marrowscope.cli._common import run

__all__ = ["backup", "register", "restore"]

_File = Annotated[Path, typer.Argument(help="the backup file (its manifest: FILE.manifest.json)")]


def backup(file: _File) -> None:
    """Back up the configured database (MARROWSCOPE_DATABASE_URL) to FILE."""
    from marrowscope.bootstrap import backup_database

    summary = run(lambda: backup_database(file))
    typer.echo(
        f"backed up {summary.backend}: {summary.tables} tables, {summary.rows} rows -> {file}"
    )


def restore(file: _File) -> None:
    """Restore FILE into the configured database, which must be empty; verify every table."""
    from marrowscope.bootstrap import restore_database

    summary = run(lambda: restore_database(file))
    typer.echo(
        f"restored {summary.backend}: {summary.tables} tables, {summary.rows} rows, "
        "row counts verified"
    )


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the main app."""
    app.command("backup")(backup)
    app.command("restore")(restore)
