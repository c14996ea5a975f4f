"""The audit helper every service calls after a clinical write, inside the same unit.

Writing the entry in the writer's own transaction means a rolled-back change leaves no
entry and a committed change always has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marrowscope.domain.audit import AuditAction, AuditEntry, changes_between
from marrowscope.domain.roles import Actor
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["record_audit"]


def record_audit(
    uow: UnitOfWork,
    actor: Actor,
    entity: str,
    entity_id: int | str,
    action: AuditAction,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    *,
    case_id: int | None = None,
) -> AuditEntry:
    """Append who changed ``entity`` #``entity_id``, when, and each field's old -> new value.

    ``old`` is ``None`` for a creation; fields whose value did not change are left out.
    """
    entry = AuditEntry(
        at=uow.now(),
        actor=actor,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        changes=changes_between(old, new),
        case_id=case_id,
    )
    return uow.audit.add(entry)
