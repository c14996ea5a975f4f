"""Audit entries: who changed which clinical record, when, and from what to what.

Every write to clinical data leaves one entry, in the same transaction as the
change itself, so that the log can never disagree with the record it describes.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from marrowscope.domain.roles import Actor

__all__ = ["AuditAction", "AuditEntry", "FieldChange", "changes_between", "to_json_value"]


class AuditAction(enum.StrEnum):
    """What happened to the record."""

    CREATE = "create"
    UPDATE = "update"
    SUPERSEDE = "supersede"  # a correction: the old version stays, marked superseded
    TRANSITION = "transition"  # a state-machine move (a lab test, a case)
    VIEW = "view"  # reading patient data: a case page, a record, an export
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"  # the typed username only as a keyed pseudonym
    LOCKOUT = "lockout"  # sign-in (or signing) paused after wrong passwords
    REFUSED = "refused"  # a permission refusal: the role or the unit does not admit
    BREAK_GLASS = "break_glass"  # emergency access to a case outside one's units
    PRUNE = "prune"  # entries past the retention deleted


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's value before and after (JSON-ready values)."""

    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log."""

    at: datetime
    actor: Actor
    entity: str
    entity_id: str
    action: AuditAction
    changes: Mapping[str, FieldChange] = field(default_factory=dict)
    case_id: int | None = None
    id: int | None = None


def to_json_value(value: Any) -> Any:
    """A value as JSON can hold it: enums by value, times in ISO 8601, dataclasses as dicts."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return to_json_value(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_json_value(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return str(value)


def changes_between(
    old: Mapping[str, Any] | None, new: Mapping[str, Any]
) -> dict[str, FieldChange]:
    """The fields whose JSON value differs between ``old`` and ``new`` (``old=None``: creation)."""
    before = {k: to_json_value(v) for k, v in (old or {}).items()}
    after = {k: to_json_value(v) for k, v in new.items()}
    return {
        key: FieldChange(before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
