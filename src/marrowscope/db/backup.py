"""Backup and restore of the whole database, verified by a manifest of row counts.

SQLite is copied with its online backup API (``sqlite3.Connection.backup``): a page-level
copy that is consistent while the app keeps writing, unlike a file copy of a database in
WAL mode. PostgreSQL goes through ``pg_dump -Fc`` / ``pg_restore`` (``backup_postgres``).

The archive is encrypted with ``MARROWSCOPE_BACKUP_KEY`` (``backup_crypto``). Beside every
backup ``FILE`` lies ``FILE.manifest.json``: the backend, the Alembic revisions, every
table's row count taken in the same snapshot as the copy, the archive's SHA-256, and an
HMAC of all of these under a key derived from the backup key. A restore checks the
signature, the hash and every chunk's tag before it touches the database, and the row
counts after it ends: a forged archive with a recomputed hash, a wrong key or a truncated
file is an error, not a surprise weeks later. A restore goes into an empty database only:
merging a backup into live records would mix two histories of the same patients.

Backups of format 1 (unencrypted, unsigned; before this version) are refused unless the
caller passes ``allow_legacy``: their hash proves nothing about who wrote them.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from marrowscope.db import backup_postgres
from marrowscope.db.backup_crypto import (
    BackupKey,
    decrypt_file,
    encrypt_file,
    sign_manifest,
    verify_manifest,
)
from marrowscope.db.engine import make_engine, normalise_url
from marrowscope.db.table_counts import table_counts
from marrowscope.domain.errors import BackupFailed

__all__ = [
    "BackupManifest",
    "backup_database",
    "manifest_path",
    "restore_database",
    "table_counts",
]

_FORMAT = 2
_LEGACY_FORMAT = 1  # unencrypted and unsigned
_MANIFEST_MAX_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class BackupManifest:
    """What a backup holds, to verify a restore against."""

    backend: str
    revisions: list[str]
    row_counts: dict[str, int]
    sha256: str
    format: int = _FORMAT

    @property
    def total_rows(self) -> int:
        """Rows in every table together (printed by the CLI)."""
        return sum(self.row_counts.values())


def manifest_path(backup: Path) -> Path:
    """Where the manifest of ``backup`` lies."""
    return backup.with_name(backup.name + ".manifest.json")


def backup_database(
    url: str, backup: Path, *, key: str, pg_bin_dir: Path | None = None
) -> BackupManifest:
    """Copy the database at ``url`` to ``backup``, encrypted with ``key`` (the setting's
    text), never over an existing file."""
    with _plain_errors():
        return _backup(url, backup, BackupKey(key), pg_bin_dir)


def restore_database(
    url: str,
    backup: Path,
    *,
    key: str,
    pg_bin_dir: Path | None = None,
    allow_legacy: bool = False,
) -> BackupManifest:
    """Load ``backup`` into the empty database at ``url`` and verify every table's rows.

    ``allow_legacy`` lets an unencrypted, unsigned backup of format 1 through (its SHA-256
    is still checked, which proves it whole, not genuine).
    """
    with _plain_errors():
        return _restore(url, backup, key, pg_bin_dir, allow_legacy)


@contextmanager
def _plain_errors() -> Iterator[None]:
    """File, SQLite and connection errors as one-line ``BackupFailed`` messages.

    Only the driver's first line is kept, and only for errors of reaching the database:
    a statement error's message can carry row values, i.e. patient data.
    """
    try:
        yield
    except OSError as error:
        raise BackupFailed(f"{error.filename or 'file'}: {error.strerror or error}") from None
    except sqlite3.Error as error:
        raise BackupFailed(f"SQLite refused the file ({type(error).__name__})") from None
    except OperationalError as error:
        first = str(error.orig).splitlines()[0] if error.orig is not None else ""
        raise BackupFailed(f"cannot use the database ({first[:200]})") from None
    except SQLAlchemyError as error:
        raise BackupFailed(f"database error ({type(error).__name__})") from None


def _backup(url: str, backup: Path, key: BackupKey, pg_bin_dir: Path | None) -> BackupManifest:
    if backup.exists() or manifest_path(backup).exists():
        raise BackupFailed(f"{backup} already exists; choose a new file name")
    if not backup.parent.is_dir():
        raise BackupFailed(f"folder {backup.parent} does not exist")
    backend = _backend(url)
    partial = backup.with_name(f".{backup.name}.partial")  # plaintext, owner-only, brief
    sealed = backup.with_name(f".{backup.name}.sealed")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        if backend == "sqlite":
            revisions, counts = _sqlite_backup(_sqlite_file(url), partial)
        else:
            revisions, counts = backup_postgres.dump(url, partial, pg_bin_dir)
        encrypt_file(partial, sealed, key)
        manifest = BackupManifest(backend, revisions, counts, _sha256(sealed))
        os.replace(sealed, backup)  # the file appears whole or not at all
    finally:
        partial.unlink(missing_ok=True)
        sealed.unlink(missing_ok=True)
    fields = asdict(manifest)
    signed = {**fields, "hmac_sha256": sign_manifest(fields, key)}
    manifest_path(backup).write_text(json.dumps(signed, indent=1), encoding="utf-8")
    return manifest


def _restore(
    url: str, backup: Path, key: str, pg_bin_dir: Path | None, allow_legacy: bool
) -> BackupManifest:
    manifest, fields, signature = _read_manifest(backup)
    if manifest.format == _LEGACY_FORMAT:
        if not allow_legacy:
            raise BackupFailed(
                f"{backup} is an unencrypted, unsigned backup of an earlier version; restore "
                "it with --legacy-unencrypted only if you know it was not altered"
            )
    else:
        verify_manifest(fields, signature, BackupKey(key), manifest_path(backup))
    backend = _backend(url)
    if manifest.backend != backend:
        raise BackupFailed(
            f"{backup} is a {manifest.backend} backup; the target database is {backend}"
        )
    if _sha256(backup) != manifest.sha256:
        raise BackupFailed(f"{backup} does not match its manifest (damaged or replaced)")
    # Plaintext next to the target (SQLite) or in the temporary folder, owner-only, and
    # removed at once; every chunk's tag is checked before the database is touched.
    folder = _sqlite_file(url).parent if backend == "sqlite" else None
    if folder is not None and not folder.is_dir():
        raise BackupFailed(f"folder {folder} does not exist")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".marrowscope-restore-") as work:
        plain = backup
        if manifest.format != _LEGACY_FORMAT:
            plain = Path(work) / "database"
            decrypt_file(backup, plain, BackupKey(key))
        _refuse_non_empty(url)
        if backend == "sqlite":
            _sqlite_restore(plain, _sqlite_file(url))
        else:
            backup_postgres.restore(url, plain, pg_bin_dir)
    _verify(url, manifest)
    return manifest


# --- shared ---


def _backend(url: str) -> str:
    name = make_url(normalise_url(url)).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupFailed(f"no backup for {name} databases (SQLite and PostgreSQL only)")
    return name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_manifest(backup: Path) -> tuple[BackupManifest, dict[str, object], str]:
    """The manifest, the fields its signature covers, and the signature ('' in format 1)."""
    if not backup.is_file():
        raise BackupFailed(f"no backup file {backup}")
    path = manifest_path(backup)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MANIFEST_MAX_BYTES:
            raise BackupFailed(f"{path} is not a readable backup manifest")
        data = json.loads(path.read_text(encoding="utf-8"))
        signature = str(data.pop("hmac_sha256", ""))
        manifest = BackupManifest(
            backend=str(data["backend"]),
            revisions=[str(r) for r in data["revisions"]],
            row_counts={str(k): int(v) for k, v in data["row_counts"].items()},
            sha256=str(data["sha256"]),
            format=int(data["format"]),
        )
    except FileNotFoundError:
        raise BackupFailed(f"{path} is missing; it is written beside every backup") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise BackupFailed(f"{path} is not a readable backup manifest") from None
    if manifest.format not in (_FORMAT, _LEGACY_FORMAT):
        raise BackupFailed(f"{path} has format {manifest.format}; this version reads {_FORMAT}")
    if manifest.format == _FORMAT and not signature:
        raise BackupFailed(f"{path} carries no signature; nothing was restored")
    return manifest, data, signature


def _inspection_engine(url: str) -> Engine:
    """An engine that only reads: for SQLite without the app's pragmas, which would put a
    backup copy or an empty target into WAL mode and leave -wal files beside it."""
    if _backend(url) == "sqlite":
        path = _sqlite_file(url)
        if not path.parent.is_dir():
            raise BackupFailed(f"folder {path.parent} does not exist")
        return create_engine(f"sqlite:///{path}")
    return make_engine(url)


def _refuse_non_empty(url: str) -> None:
    engine = _inspection_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupFailed(
            f"the target database already has {len(tables)} tables; restore only into an "
            "empty database: point MARROWSCOPE_DATABASE_URL at a new SQLite file or a new "
            "PostgreSQL database (createdb NAME) and run restore again"
        )


def _verify(url: str, manifest: BackupManifest) -> None:
    engine = _inspection_engine(url)
    try:
        with engine.connect() as connection:
            revisions, counts = table_counts(connection)
    finally:
        engine.dispose()
    if revisions != manifest.revisions:
        raise BackupFailed(f"restored revisions {revisions} differ from the backup's")
    differ = sorted(
        name
        for name in set(counts) | set(manifest.row_counts)
        if counts.get(name) != manifest.row_counts.get(name)
    )
    if differ:
        raise BackupFailed(f"restored row counts differ from the backup in: {', '.join(differ)}")


# --- SQLite ---


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise BackupFailed("only a SQLite database in a file can be backed up or restored")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> tuple[list[str], dict[str, int]]:
    if not source.is_file():
        raise BackupFailed(f"no database file {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # The copy inherits WAL mode; DELETE makes it one self-contained file.
        dst.execute("PRAGMA journal_mode=DELETE")
        if dst.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupFailed("the copy failed SQLite's integrity check")
    finally:
        dst.close()
        src.close()
    # Counted on the copy itself: exactly the snapshot the backup holds.
    engine = _inspection_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return table_counts(connection)
    finally:
        engine.dispose()


def _sqlite_restore(backup: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # replaces every page of the (empty) target in one step
    finally:
        dst.close()
        src.close()
