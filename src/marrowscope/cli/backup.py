"""``marrowscope backup FILE``, ``marrowscope restore FILE`` and ``marrowscope backup-key``.

SQLite through its online backup API, PostgreSQL through ``pg_dump``/``pg_restore``
(``db/backup.py``); the archive is encrypted with ``MARROWSCOPE_BACKUP_KEY`` and a signed
manifest lies beside FILE; a restore is verified against it. A restore goes into an empty
database only (docs/operations.md, "Backups").
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marrowscope.cli._common import run

__all__ = ["backup", "backup_key", "register", "restore"]

_File = Annotated[Path, typer.Argument(help="the backup file (its manifest: FILE.manifest.json)")]


def backup(file: _File) -> None:
    """Back up the configured database (MARROWSCOPE_DATABASE_URL) to FILE, encrypted."""
    from marrowscope.bootstrap import backup_database

    summary = run(lambda: backup_database(file))
    typer.echo(
        f"backed up {summary.backend}: {summary.tables} tables, {summary.rows} rows -> {file} "
        "(encrypted; manifest signed)"
    )


def restore(
    file: _File,
    legacy_unencrypted: Annotated[
        bool,
        typer.Option(
            "--legacy-unencrypted",
            help="accept an unencrypted, unsigned backup made before encryption (format 1)",
        ),
    ] = False,
) -> None:
    """Restore FILE into the configured database, which must be empty; verify every table."""
    from marrowscope.bootstrap import restore_database

    summary = run(lambda: restore_database(file, allow_legacy=legacy_unencrypted))
    typer.echo(
        f"restored {summary.backend}: {summary.tables} tables, {summary.rows} rows, "
        "row counts verified"
    )


def backup_key() -> None:
    """Print a new random MARROWSCOPE_BACKUP_KEY (keep it apart from the backups)."""
    from marrowscope.bootstrap import new_backup_key

    typer.echo(new_backup_key())


def register(app: typer.Typer) -> None:
    """Add ``backup``, ``restore`` and ``backup-key`` to the main app."""
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("backup-key")(backup_key)
