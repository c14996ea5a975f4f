"""PostgreSQL backup and restore through Debian's ``pg_dump`` and ``pg_restore``.

The custom format (``-Fc``) is compressed, restores in one transaction and is what a
database administrator expects to be handed. The row counts of the manifest are taken in
the very snapshot ``pg_dump`` copies (``pg_export_snapshot`` + ``--snapshot``), so writes
that land during the backup cannot make a correct restore look wrong. Connection details
go to the tools through libpq's ``PG*`` variables, never on the command line, where any
local user could read the password in the process list.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from marrowscope.db.engine import make_engine, normalise_url
from marrowscope.db.table_counts import table_counts
from marrowscope.domain.errors import BackupFailed

__all__ = ["dump", "find_tool", "restore"]

_TIMEOUT_S = 6 * 3600


def find_tool(name: str, bin_dir: Path | None) -> Path:
    """``pg_dump`` or ``pg_restore`` from ``bin_dir`` or the PATH; refused when absent."""
    if bin_dir is not None:
        candidate = bin_dir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
        raise BackupFailed(f"{name} is not in MARROWSCOPE_PG_BIN_DIR ({bin_dir})")
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(
            f"{name} not found on PATH; install Debian's postgresql-client "
            "(apt-get install postgresql-client) or set MARROWSCOPE_PG_BIN_DIR"
        )
    return Path(found)


def _libpq_env(url: str) -> dict[str, str]:
    parsed = make_url(normalise_url(url))
    env = dict(os.environ)
    pairs = {
        "PGHOST": parsed.host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password if isinstance(parsed.password, str) else None,
        "PGDATABASE": parsed.database,
        "PGOPTIONS": _query(parsed.query.get("options")),
        "PGSSLMODE": _query(parsed.query.get("sslmode")),
    }
    env.update({k: v for k, v in pairs.items() if v})
    return env


def _query(value: str | tuple[str, ...] | None) -> str | None:
    if isinstance(value, tuple):
        return value[-1] if value else None
    return value


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BackupFailed(
            f"{Path(command[0]).name} did not run ({type(error).__name__})"
        ) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        last = lines[-1][:300] if lines else "no message"
        raise BackupFailed(f"{Path(command[0]).name} failed (exit {done.returncode}): {last}")


def dump(url: str, target: Path, bin_dir: Path | None) -> tuple[list[str], dict[str, int]]:
    """``pg_dump -Fc`` of the database at ``url`` into ``target``; revisions and row counts."""
    tool = find_tool("pg_dump", bin_dir)
    engine = make_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
                revisions, counts = table_counts(conn)
                # The transaction stays open until pg_dump has read the snapshot through.
                _run(
                    [str(tool), "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(target)],
                    _libpq_env(url),
                )
    finally:
        engine.dispose()
    return revisions, counts


def restore(url: str, backup: Path, bin_dir: Path | None) -> None:
    """``pg_restore`` of ``backup`` into the database at ``url``, in one transaction."""
    tool = find_tool("pg_restore", bin_dir)
    env = _libpq_env(url)
    database = env.get("PGDATABASE")
    if not database:  # without --dbname pg_restore would print SQL instead of restoring
        raise BackupFailed("the PostgreSQL URL names no database to restore into")
    command = [str(tool), "--no-owner", "--no-privileges", "--exit-on-error"]
    command += ["--single-transaction", "--dbname", database, str(backup)]
    _run(command, env)
