"""Use cases of the laboratory: specimens with accession numbers, tests and their state
machine, structured results with versions, verification, and the overdue list.

Every write is one audited transaction. A result can only be posted to a test that was
ordered (``NotFound`` otherwise) and that is in process; a duplicate accession number is
a ``Conflict``; a state move the machine does not allow is ``TransitionNotAllowed``.
Specimens are in ``services.lab``, tests and results in ``services.lab``
(both re-exported here, so ``laboratory.post_result`` keeps working); the laboratory's
read side, the overdue list and the worklist, stays here.
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.domain.cases.model import CaseStatus
from marrowscope.domain.lab import LabTest, OverdueTest, Specimen, overdue
from marrowscope.domain.pathway.order_set import AwaitedTest, awaited_tests
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor
from marrowscope.services.cases import codec, require_staff
from marrowscope.services.lab.steps import LABORATORY
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["awaited", "overdue_tests", "worklist"]

# open cases looked at for ordered-but-not-received tests, newest first
AWAITED_CASES = 500


def overdue_tests(uow: UnitOfWork, actor: Actor) -> list[OverdueTest]:
    """Unfinished tests past their turnaround target, most overdue first."""
    require_staff(actor)
    return overdue(uow.pathway.open_tests(), uow.now())


@dataclass(frozen=True, slots=True)
class WorkItem:
    """An unfinished test with its specimen, for the laboratory's worklist."""

    test: LabTest
    specimen: Specimen
    overdue_hours: float | None


def worklist(uow: UnitOfWork, actor: Actor) -> list[WorkItem]:
    """Every unfinished test with its specimen, oldest order first; overdue ones say by how much."""
    require_staff(actor)
    tests = uow.pathway.open_tests()
    late = {o.test.id: o.hours_overdue for o in overdue(tests, uow.now())}
    items = []
    for test in tests:
        specimen = uow.pathway.get_specimen(test.specimen_id)
        if specimen is not None:
            items.append(WorkItem(test, specimen, late.get(test.id)))
    return items


def awaited(uow: UnitOfWork, actor: Actor) -> list[AwaitedTest]:
    """Tests ordered on open cases that the laboratory has not received a specimen for,
    oldest case first: what to expect, or to chase on the ward."""
    require_staff(actor, LABORATORY)
    out: list[AwaitedTest] = []
    for case in reversed(uow.cases.list(status=CaseStatus.OPEN, limit=AWAITED_CASES)):
        order = uow.pathway.latest(case.id, RecordKind.ORDER)
        if order is not None:
            items = codec.order_from(order.payload).tests
            out.extend(awaited_tests(case.id, items, uow.pathway.tests_for_case(case.id)))
    return out
