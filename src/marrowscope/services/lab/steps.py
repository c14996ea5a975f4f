"""Shared steps of the laboratory's use cases: which roles act, finding a specimen, and
the audit entry of a test's every move.

Specimens and tests are separate modules (``services.lab``,
``services.lab``) but collecting and receiving a specimen also move its tests,
so both audit those moves here, the same way.
"""

from __future__ import annotations

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import NotFound
from marrowscope.domain.lab import LabTest, Specimen, TestState
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import case_grant
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["COLLECTORS", "LABORATORY", "VERIFIERS", "audit_test", "get_specimen"]

COLLECTORS = frozenset({Role.PROCEDURALIST, Role.NURSE, Role.CLINICIAN})
LABORATORY = frozenset({Role.LAB_SCIENTIST, Role.MORPHOLOGIST, Role.PATHOLOGIST})
VERIFIERS = frozenset({Role.MORPHOLOGIST, Role.PATHOLOGIST, Role.LAB_SCIENTIST})


def audit_test(
    uow: UnitOfWork, actor: Actor, test: LabTest, old: TestState | None, case_id: int, reason: str
) -> None:
    """Audit a test's creation (``old`` is None) or its move from ``old``; the caller commits."""
    record_audit(
        uow,
        actor,
        "lab_test",
        test.id,
        AuditAction.CREATE if old is None else AuditAction.TRANSITION,
        None if old is None else {"state": old, "reason": ""},
        {"state": test.state, "test_type": test.test_type, "reason": reason},
        case_id=case_id,
    )


def get_specimen(uow: UnitOfWork, actor: Actor, specimen_id: int) -> Specimen:
    """The specimen, or ``NotFound``; ``OutOfScope`` when its case is not ``actor``'s.

    A route named by a specimen or a test id reaches a case without naming it, so the
    case's rule (``services.cases.access``) is applied here, where the specimen is found.
    """
    specimen = uow.pathway.get_specimen(specimen_id)
    if specimen is None:
        raise NotFound(f"no specimen {specimen_id}")
    case_grant(uow, actor, specimen.case_id)
    return specimen
