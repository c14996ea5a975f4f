"""Recording the diagnosis's inputs that no laboratory result states.

The morphologist's dysplasia judgement, the history and the myeloma work-up are entered
as one versioned clinical record of the case (``RecordKind.DIAGNOSTIC_CONTEXT``): each
entry is the whole form, a new version supersedes the last (never overwrites it), and
the audit keeps each field's old and new value. The panel reads the latest version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.diagnosis.context import parse_context
from marrowscope.domain.errors import PermissionDenied
from marrowscope.domain.pathway.records import RecordKind, StoredRecord
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import open_case_for_writing
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["CONTEXT_WRITERS", "diagnostic_context", "record_diagnostic_context"]

# who judges dysplasia and gathers the work-up for the report: the morphologist and the
# signing pathologist (the laboratory scientist reads the panel but does not judge)
CONTEXT_WRITERS = frozenset({Role.PATHOLOGIST, Role.MORPHOLOGIST})


def diagnostic_context(uow: UnitOfWork, case_id: int) -> dict[str, Any]:
    """The latest entered values ({} when nothing was entered)."""
    latest = uow.pathway.latest(case_id, RecordKind.DIAGNOSTIC_CONTEXT)
    return dict(latest.payload.get("values", {})) if latest is not None else {}


def record_diagnostic_context(
    uow: UnitOfWork, actor: Actor, case_id: int, data: Mapping[str, Any]
) -> StoredRecord:
    """Store the form as the new version; every refused field is reported at once.

    A field left empty is "not assessed"; the whole form is one version, so clearing a
    field is recorded as a change like any other.
    """
    if actor.role not in CONTEXT_WRITERS:
        raise PermissionDenied("only a pathologist or morphologist records these findings")
    open_case_for_writing(uow, actor, case_id)
    values = parse_context(data)
    latest = uow.pathway.latest(case_id, RecordKind.DIAGNOSTIC_CONTEXT)
    old = dict(latest.payload.get("values", {})) if latest is not None else None
    record = uow.pathway.add_record(
        case_id,
        RecordKind.DIAGNOSTIC_CONTEXT,
        {"values": values},
        at=uow.now(),
        by=actor.username,
        supersedes=latest,
        reason="" if latest is None else "diagnostic findings updated",
    )
    action = AuditAction.CREATE if latest is None else AuditAction.SUPERSEDE
    record_audit(
        uow, actor, RecordKind.DIAGNOSTIC_CONTEXT.value, record.id, action, old, values,
        case_id=case_id,
    )  # fmt: skip
    uow.commit()
    return record
