"""Shared steps of the pathway's use cases: which roles write, checking that a case is
open, and writing one audited record version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.model import Case, CaseStatus, Patient
from marrowscope.domain.errors import NotAllowed, NotFound
from marrowscope.domain.pathway.records import RecordKind, StoredRecord
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.audit import record_audit
from marrowscope.services.cases.patients import get_case
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["CLINICAL", "OPERATORS", "ORDERERS", "open_case_for_writing", "write_record"]

CLINICAL = frozenset({Role.CLINICIAN, Role.PROCEDURALIST, Role.NURSE})
ORDERERS = frozenset({Role.CLINICIAN, Role.PROCEDURALIST})
OPERATORS = frozenset({Role.PROCEDURALIST, Role.CLINICIAN})


def open_case_for_writing(uow: UnitOfWork, actor: Actor, case_id: int) -> tuple[Case, Patient]:
    """The case and its patient; refuses a closed or cancelled case."""
    case = get_case(uow, actor, case_id)
    if case.status is not CaseStatus.OPEN:
        raise NotAllowed(f"case {case_id} is {case.status.value}; nothing more can be recorded")
    patient = uow.patients.get(case.patient_id)
    if patient is None:  # foreign key makes this impossible; kept as a clear error
        raise NotFound(f"no patient for case {case_id}")
    return case, patient


def write_record(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    kind: RecordKind,
    payload: Mapping[str, Any],
) -> StoredRecord:
    """Insert version 1 of a record and its audit entry (the caller commits)."""
    record = uow.pathway.add_record(case_id, kind, payload, at=uow.now(), by=actor.username)
    record_audit(
        uow, actor, kind.value, record.id, AuditAction.CREATE, None, payload, case_id=case_id
    )
    return record
