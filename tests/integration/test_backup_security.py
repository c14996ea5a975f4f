"""Backups are encrypted and their manifests signed: each attack a thief or a forger could
try on a backup is refused before the target database is touched.

The attacks: an archive replaced and its SHA-256 recomputed in the manifest, the
signature stripped, a restore with the wrong key, an old unencrypted backup passed off as
genuine, and (with the key) a chunk flipped or the last chunk cut off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marrowscope.bootstrap import (
    Settings,
    backup_database,
    new_backup_key,
    prepare_demo,
    restore_database,
)
from marrowscope.cli.app import app
from marrowscope.db.backup import manifest_path
from marrowscope.db.backup_crypto import BackupKey, decrypt_file, encrypt_file
from marrowscope.domain.errors import BackupFailed

KEY = new_backup_key()


@pytest.fixture(scope="module")
def backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("signed")
    settings = Settings(database_url=f"sqlite:///{folder / 'source.db'}", backup_key=KEY)
    prepare_demo(settings)
    made = folder / "demo.backup"
    backup_database(made, settings)
    return made


def _copy(backup: Path, folder: Path, name: str) -> tuple[Path, dict[str, object]]:
    copy = folder / name
    copy.write_bytes(backup.read_bytes())
    manifest = json.loads(manifest_path(backup).read_text(encoding="utf-8"))
    return copy, manifest


def _write_manifest(path: Path, manifest: dict[str, object]) -> None:
    manifest_path(path).write_text(json.dumps(manifest), encoding="utf-8")


def _target(folder: Path, key: str = KEY) -> tuple[Path, Settings]:
    target = folder / "target.db"
    return target, Settings(database_url=f"sqlite:///{target}", backup_key=key)


def test_the_archive_holds_no_readable_database(backup: Path) -> None:
    data = backup.read_bytes()

    assert b"SQLite format 3" not in data
    assert b"patient" not in data
    assert oct(backup.stat().st_mode & 0o777) == "0o600"


def test_a_forged_archive_with_a_recomputed_sha256_is_refused(backup: Path, tmp_path: Path) -> None:
    forged, manifest = _copy(backup, tmp_path, "forged.backup")
    plain = sqlite3.connect(tmp_path / "attacker.db")
    plain.execute("CREATE TABLE patient (id INTEGER)")
    plain.close()
    forged.write_bytes((tmp_path / "attacker.db").read_bytes())
    manifest["sha256"] = hashlib.sha256(forged.read_bytes()).hexdigest()
    _write_manifest(forged, manifest)
    target, settings = _target(tmp_path)

    with pytest.raises(BackupFailed, match="signature does not match"):
        restore_database(forged, settings)

    assert not target.exists()


def test_a_manifest_without_its_signature_is_refused(backup: Path, tmp_path: Path) -> None:
    stripped, manifest = _copy(backup, tmp_path, "stripped.backup")
    del manifest["hmac_sha256"]
    _write_manifest(stripped, manifest)
    target, settings = _target(tmp_path)

    with pytest.raises(BackupFailed, match="carries no signature"):
        restore_database(stripped, settings)

    assert not target.exists()


def test_a_forged_manifest_calling_itself_legacy_is_refused(backup: Path, tmp_path: Path) -> None:
    forged, manifest = _copy(backup, tmp_path, "old.backup")
    manifest["format"] = 1
    _write_manifest(forged, manifest)
    target, settings = _target(tmp_path)

    with pytest.raises(BackupFailed, match="unencrypted, unsigned backup"):
        restore_database(forged, settings)

    assert not target.exists()


def test_a_restore_with_the_wrong_key_is_refused(backup: Path, tmp_path: Path) -> None:
    target, settings = _target(tmp_path, key=new_backup_key())

    with pytest.raises(BackupFailed, match="wrong MARROWSCOPE_BACKUP_KEY"):
        restore_database(backup, settings)

    assert not target.exists()


def test_a_legacy_backup_restores_only_with_the_explicit_flag(
    backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    legacy, manifest = _copy(backup, tmp_path, "legacy.backup")
    legacy.unlink()
    decrypt_file(backup, legacy, BackupKey(KEY))
    del manifest["hmac_sha256"]
    manifest.update(format=1, sha256=hashlib.sha256(legacy.read_bytes()).hexdigest())
    _write_manifest(legacy, manifest)
    target, _ = _target(tmp_path)
    monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", f"sqlite:///{target}")
    monkeypatch.setenv("MARROWSCOPE_BACKUP_KEY", KEY)
    runner = CliRunner()

    refused = runner.invoke(app, ["restore", str(legacy)])
    exists_after_refusal = target.exists()
    accepted = runner.invoke(app, ["restore", "--legacy-unencrypted", str(legacy)])

    assert refused.exit_code == 2 and "--legacy-unencrypted" in refused.output
    assert not exists_after_refusal
    assert accepted.exit_code == 0, accepted.output
    assert "row counts verified" in accepted.output


def test_backup_without_a_key_is_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source.db"
    prepare_demo(Settings(database_url=f"sqlite:///{source}"))
    monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", f"sqlite:///{source}")
    monkeypatch.delenv("MARROWSCOPE_BACKUP_KEY", raising=False)

    result = CliRunner().invoke(app, ["backup", str(tmp_path / "x.backup")])

    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "MARROWSCOPE_BACKUP_KEY is not set" in result.output
    assert not [p.name for p in tmp_path.iterdir() if "backup" in p.name]


def test_backup_key_prints_a_key_the_backup_accepts() -> None:
    result = CliRunner().invoke(app, ["backup-key"])

    assert result.exit_code == 0
    BackupKey(result.output.strip())  # 32 bytes, or BackupFailed


@pytest.mark.parametrize("bad", ["", "short", "x" * 44])
def test_a_malformed_key_is_refused(bad: str) -> None:
    with pytest.raises(BackupFailed, match="MARROWSCOPE_BACKUP_KEY"):
        BackupKey(bad)


@pytest.fixture
def sealed(tmp_path: Path) -> Path:
    """A 2.5 MiB random file sealed in three chunks."""
    plain = tmp_path / "plain.bin"
    plain.write_bytes(os.urandom(5 * (1 << 19)))
    out = tmp_path / "sealed.bin"
    encrypt_file(plain, out, BackupKey(KEY))
    return out


def test_sealing_round_trips_across_chunks(sealed: Path, tmp_path: Path) -> None:
    decrypt_file(sealed, tmp_path / "back.bin", BackupKey(KEY))

    assert (tmp_path / "back.bin").read_bytes() == (tmp_path / "plain.bin").read_bytes()


def test_a_flipped_byte_in_a_middle_chunk_is_refused(sealed: Path, tmp_path: Path) -> None:
    data = bytearray(sealed.read_bytes())
    data[(1 << 20) + 100] ^= 1
    sealed.write_bytes(bytes(data))

    with pytest.raises(BackupFailed, match="wrong key, or the archive was altered"):
        decrypt_file(sealed, tmp_path / "back.bin", BackupKey(KEY))


def test_an_archive_cut_after_a_whole_chunk_is_refused(sealed: Path, tmp_path: Path) -> None:
    data = sealed.read_bytes()
    first_box = 8 + 16 + 4 + int.from_bytes(data[24:28], "big")
    second_box = first_box + 4 + int.from_bytes(data[first_box : first_box + 4], "big")
    sealed.write_bytes(data[:second_box])  # two whole chunks, the last one dropped

    with pytest.raises(BackupFailed, match="altered"):
        decrypt_file(sealed, tmp_path / "back.bin", BackupKey(KEY))
