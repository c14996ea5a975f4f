"""Encryption of backup archives and the signature of their manifests.

A backup holds every patient's record, so it is encrypted at rest, and its manifest is
signed: a SHA-256 alone is no protection, since whoever can replace the archive can
recompute it. Both keys come from one setting, ``MARROWSCOPE_BACKUP_KEY`` (32 random bytes,
url-safe base64), through HKDF-SHA256 (RFC 5869) with a different ``info`` for each use.

The archive is AES-256-GCM in the STREAM construction (Hoang, Reyhanitabar, Rogaway and
Vizár 2015, "Online authenticated-encryption and its nonce-reuse misuse-resistance",
CRYPTO 2015, doi:10.1007/978-3-662-47989-6_24): 1 MiB chunks, each sealed on its own, so
a database of any size streams through in constant memory. Every archive has a fresh
random salt, hence its own key; a chunk's nonce is its index and a last-chunk flag, so
chunks cannot be reordered, dropped or cut off at the end without the tag check failing.

Layout: ``MAGIC`` | salt (16 bytes) | per chunk: length (4 bytes, big-endian) | sealed
chunk. The magic and salt are bound to every chunk as associated data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from marrowscope.domain.errors import BackupFailed

__all__ = [
    "BackupKey",
    "decrypt_file",
    "encrypt_file",
    "new_backup_key",
    "sign_manifest",
    "verify_manifest",
]

MAGIC = b"MSBKv2\n\x00"
_SALT_BYTES = 16
_CHUNK_BYTES = 1 << 20
_TAG_BYTES = 16
_KEY_BYTES = 32


class BackupKey:
    """The backup key, parsed once; never printed (``repr`` hides it)."""

    __slots__ = ("_raw",)

    def __init__(self, encoded: str) -> None:
        if not encoded:
            raise BackupFailed(
                "MARROWSCOPE_BACKUP_KEY is not set; `marrowscope backup-key` prints a new "
                "one (store it apart from the backups: without it they cannot be read)"
            )
        try:
            raw = base64.urlsafe_b64decode(encoded.strip().encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""
        if len(raw) != _KEY_BYTES:
            raise BackupFailed(
                "MARROWSCOPE_BACKUP_KEY must be 32 bytes in url-safe base64 "
                "(`marrowscope backup-key` prints one)"
            )
        self._raw = raw

    def __repr__(self) -> str:
        return "BackupKey(<hidden>)"

    def derive(self, purpose: bytes, salt: bytes | None = None) -> bytes:
        """A 32-byte key for one ``purpose`` (HKDF-SHA256)."""
        kdf = HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=salt, info=purpose)
        return kdf.derive(self._raw)


def new_backup_key() -> str:
    """A fresh random key in the form ``MARROWSCOPE_BACKUP_KEY`` takes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(_KEY_BYTES)).decode("ascii")


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def encrypt_file(source: Path, target: Path, key: BackupKey) -> None:
    """Encrypt ``source`` into the new file ``target`` (owner-only permissions)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    header = MAGIC + salt
    cipher = AESGCM(key.derive(b"marrowscope backup archive v2", salt))
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as plain, os.fdopen(descriptor, "wb") as sealed:
        sealed.write(header)
        chunk = plain.read(_CHUNK_BYTES)
        index = 0
        while True:
            following = plain.read(_CHUNK_BYTES)
            last = not following
            box = cipher.encrypt(_nonce(index, last), chunk, header)
            sealed.write(len(box).to_bytes(4, "big") + box)
            if last:
                break
            chunk, index = following, index + 1


def decrypt_file(source: Path, target: Path, key: BackupKey) -> None:
    """Decrypt ``source`` into the new file ``target``; ``BackupFailed`` on any tampering."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as sealed, os.fdopen(descriptor, "wb") as plain:
        header = sealed.read(len(MAGIC) + _SALT_BYTES)
        if len(header) != len(MAGIC) + _SALT_BYTES or not header.startswith(MAGIC):
            raise BackupFailed(f"{source} is not an encrypted marrowscope backup")
        cipher = AESGCM(key.derive(b"marrowscope backup archive v2", header[len(MAGIC) :]))
        _decrypt_chunks(sealed, plain, cipher, header, source)


def _decrypt_chunks(
    sealed: BinaryIO, plain: BinaryIO, cipher: AESGCM, header: bytes, source: Path
) -> None:
    box = _read_box(sealed, source)
    if box is None:
        raise BackupFailed(f"{source} is cut short or damaged")
    index = 0
    while box is not None:
        following = _read_box(sealed, source)  # read ahead: is this the last chunk?
        try:
            plain.write(cipher.decrypt(_nonce(index, following is None), box, header))
        except InvalidTag:
            raise BackupFailed(
                f"{source} does not decrypt with MARROWSCOPE_BACKUP_KEY (wrong key, or the "
                "archive was altered)"
            ) from None
        box, index = following, index + 1


def _read_box(sealed: BinaryIO, source: Path) -> bytes | None:
    """The next sealed chunk, or None at the end of the file."""
    size_bytes = sealed.read(4)
    if not size_bytes:
        return None
    size = int.from_bytes(size_bytes, "big")
    if len(size_bytes) != 4 or not _TAG_BYTES <= size <= _CHUNK_BYTES + _TAG_BYTES:
        raise BackupFailed(f"{source} is cut short or damaged")
    box = sealed.read(size)
    if len(box) != size:
        raise BackupFailed(f"{source} is cut short or damaged")
    return box


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign_manifest(fields: dict[str, Any], key: BackupKey) -> str:
    """HMAC-SHA256 (hex) of the manifest's fields in canonical JSON."""
    mac_key = key.derive(b"marrowscope backup manifest v2")
    return hmac.new(mac_key, _canonical(fields), hashlib.sha256).hexdigest()


def verify_manifest(fields: dict[str, Any], signature: str, key: BackupKey, path: Path) -> None:
    """``BackupFailed`` unless ``signature`` is this key's HMAC of ``fields``."""
    if not hmac.compare_digest(sign_manifest(fields, key), signature):
        raise BackupFailed(
            f"{path}: the signature does not match (wrong MARROWSCOPE_BACKUP_KEY, or the "
            "manifest was altered); nothing was restored"
        )
