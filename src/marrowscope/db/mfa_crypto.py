"""The TOTP secrets of two-step sign-in, encrypted at rest (AES-256-GCM, ``cryptography``).

A TOTP secret is a password that never changes: whoever reads it from a copy of the
database (a backup left on a share, a read-only reporting replica) makes codes for ever.
So the column holds only ``v1:`` and the url-safe base64 of a random 96-bit nonce and the
sealed secret; the row's user id is bound as associated data, so a sealed secret copied
onto another account's row does not open there.

The key is ``MARROWSCOPE_MFA_KEY`` (32 random bytes, url-safe base64), else one derived
from ``MARROWSCOPE_SECRET_KEY`` with HKDF-SHA256 (RFC 5869) under an ``info`` of its own,
so that the session signatures and this cipher never share key bytes. A secret that does
not open (another key, a damaged row) is a one-line refusal that names the way out, an
admin's reset, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from marrowscope.domain.errors import AuthenticationFailed, ConfigurationError

__all__ = ["PREFIX", "SecretBox"]

PREFIX = "v1:"  # the format, so that a later cipher can tell its rows from these
_KEY_BYTES = 32
_NONCE_BYTES = 12  # AES-GCM's standard nonce (NIST SP 800-38D section 8.2.2)
_INFO = b"marrowscope two-step sign-in secrets v1"
_UNREADABLE = (
    "two-step sign-in: your authenticator's key cannot be read with this server's key "
    "(MARROWSCOPE_MFA_KEY changed?); ask an admin to reset your two-step sign-in"
)


class SecretBox:
    """Seals and opens TOTP secrets with one key; never printed (``repr`` hides it)."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != _KEY_BYTES:
            raise ConfigurationError("MARROWSCOPE_MFA_KEY must be 32 bytes")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"

    @classmethod
    def from_settings(cls, mfa_key: str, secret_key: str) -> SecretBox:
        """The box of ``mfa_key`` if set, else of a key derived from ``secret_key``."""
        if mfa_key.strip():
            try:
                raw = base64.urlsafe_b64decode(mfa_key.strip().encode("ascii"))
            except (binascii.Error, UnicodeEncodeError, ValueError):
                raw = b""
            if len(raw) != _KEY_BYTES:
                raise ConfigurationError(
                    "MARROWSCOPE_MFA_KEY must be 32 bytes in url-safe base64 (python -c "
                    "'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
                )
            return cls(raw)
        kdf = HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=_INFO)
        return cls(kdf.derive(secret_key.encode()))

    def seal(self, user_id: int, secret: str) -> str:
        """``secret`` as the column stores it: ``v1:`` + base64(nonce | ciphertext | tag)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode("ascii"), _bound(user_id))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, user_id: int, stored: str) -> str:
        """The secret in ``stored``; ``AuthenticationFailed`` if it does not open."""
        if not stored.startswith(PREFIX):
            raise AuthenticationFailed(_UNREADABLE)
        try:
            raw = base64.urlsafe_b64decode(stored[len(PREFIX) :].encode("ascii"))
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _bound(user_id))
            return plain.decode("ascii")
        except (binascii.Error, InvalidTag, UnicodeError, ValueError):
            raise AuthenticationFailed(_UNREADABLE) from None


def _bound(user_id: int) -> bytes:
    return f"mfa_secrets.user_id={user_id}".encode()
