"""Accounts, sessions and counter keymaps as plain values.

They live in the domain so that services and the database adapter share them
without the adapter reaching up into services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Actor, Role
from marrowscope.domain.taxonomy import CellClass, cell_class

__all__ = [
    "DEFAULT_KEYMAP",
    "UNDO_KEYS",
    "Keymap",
    "NewUser",
    "StoredSession",
    "User",
    "validate_keymap",
]


@dataclass(frozen=True, slots=True)
class User:
    """An account as the rest of the system sees it (the password hash stays in the store)."""

    id: int
    username: str
    role: Role
    display_name: str
    patient_id: int | None = None
    active: bool = True

    def actor(self) -> Actor:
        """The acting person handed to every service call."""
        return Actor(username=self.username, role=self.role, patient_id=self.patient_id)


@dataclass(frozen=True, slots=True)
class NewUser:
    """What the store needs to create an account."""

    username: str
    role: Role
    display_name: str
    password_hash: str
    patient_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredSession:
    """What the store keeps of a session (the token itself only as a hash)."""

    user_id: int
    csrf_token: str
    expires_at: datetime


# Keys the counter keeps for itself: undo. A keymap may not bind them.
UNDO_KEYS: frozenset[str] = frozenset({"Backspace", "-"})

# One key per class a morphologist meets daily: mnemonic letters where they fit, digits
# for the erythroid maturation steps. A user saves variations of their own.
DEFAULT_KEYMAP: Mapping[str, CellClass] = {
    "b": CellClass.BLA,
    "j": CellClass.LBL,
    "p": CellClass.PMO,
    "f": CellClass.FGC,
    "m": CellClass.MYB,
    "z": CellClass.MMZ,
    "n": CellClass.NGB,
    "s": CellClass.NGS,
    "e": CellClass.EOS,
    "g": CellClass.ABE,
    "a": CellClass.BAS,
    "t": CellClass.MAS,
    "o": CellClass.MON,
    "c": CellClass.MAC,
    "r": CellClass.PEB,
    "1": CellClass.EBA,
    "2": CellClass.EPC,
    "3": CellClass.EOC,
    "4": CellClass.EBO,
    "l": CellClass.LYT,
    "i": CellClass.LYI,
    "h": CellClass.HAC,
    "k": CellClass.PLM,
    "y": CellClass.MGK,
    "8": CellClass.PLT,
    "u": CellClass.OTH,
    "d": CellClass.KSC,
    "v": CellClass.NIF,
    "9": CellClass.ART,
}


@dataclass(frozen=True, slots=True)
class Keymap:
    """A named mapping from a key (as the browser names it) to a cell class."""

    name: str
    keys: Mapping[str, CellClass] = field(default_factory=dict)


def validate_keymap(name: str, raw: Mapping[str, str]) -> Keymap:
    """A keymap from user input: one character per key, one key per class, no undo key."""
    clean_name = name.strip()
    if not clean_name or len(clean_name) > 64:
        raise InvalidInput("keymap name: 1-64 characters")
    if not raw:
        raise InvalidInput("keymap: bind at least one key")
    keys: dict[str, CellClass] = {}
    seen: dict[CellClass, str] = {}
    for key, code in raw.items():
        if len(key) != 1 or not key.isprintable() or key.isspace():
            raise InvalidInput(f"keymap: key {key!r} must be one printable character")
        if key in UNDO_KEYS:
            raise InvalidInput(f"keymap: key {key!r} is reserved for undo")
        klass = cell_class(code)
        if klass in seen:
            raise InvalidInput(
                f"keymap: {klass.value} is bound to both {seen[klass]!r} and {key!r}"
            )
        seen[klass] = key
        keys[key] = klass
    return Keymap(clean_name, keys)
