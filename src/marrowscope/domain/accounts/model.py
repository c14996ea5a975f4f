"""Accounts, sessions and counter keymaps as plain values.

They live in the domain so that services and the database adapter share them
without the adapter reaching up into services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from marrowscope.domain.counting.counter import counter_keys
from marrowscope.domain.counting.taxonomy import CellClass, cell_class
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Actor, Role

__all__ = [
    "Keymap",
    "NewUser",
    "SessionInfo",
    "StoredSession",
    "User",
    "default_keymap",
    "undo_keys",
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
    # the identifier hospital systems know a clinician by (an NPI, or the site's type of
    # HL7 table 0203) and that type ('' = the site's); '' when none is held
    provider_id: str = ""
    provider_id_type: str = ""

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
    last_seen_at: datetime | None = None  # None: never used since sign-in (older rows)
    client: str = ""  # the address it signed in from
    agent: str = ""  # the browser it signed in from (its User-Agent, cut short)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One of a person's sessions as they see it in their list (never its token).

    ``id`` is the start of the token's hash: enough to name it, useless as a cookie.
    """

    id: str
    created_at: datetime
    last_seen_at: datetime | None
    client: str
    agent: str
    current: bool = False


def default_keymap() -> Mapping[str, CellClass]:
    """The laboratory's layout (``tables/differential.toml``); users save variations."""
    return counter_keys().classes


def undo_keys() -> frozenset[str]:
    """Keys the counter keeps for itself: a keymap may not bind them."""
    return frozenset({"Backspace", counter_keys().undo})


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
        if key in undo_keys():
            raise InvalidInput(f"keymap: key {key!r} is reserved for undo")
        klass = cell_class(code)
        if klass in seen:
            raise InvalidInput(
                f"keymap: {klass.value} is bound to both {seen[klass]!r} and {key!r}"
            )
        seen[klass] = key
        keys[key] = klass
    return Keymap(clean_name, keys)
