"""Changing the tests of a placed order: a test forgotten, or one no longer wanted.

A new version of the order supersedes the old with the reason (``correct_record``), so
the laboratory's view of what was asked, and when, stays readable; the nurse's form and
the laboratory's "ordered, not yet received" follow the newest version at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from marrowscope.domain.errors import NotAllowed
from marrowscope.domain.pathway.records import RecordKind, StoredRecord
from marrowscope.domain.roles import Actor
from marrowscope.services.cases import ORDERERS, require_staff
from marrowscope.services.pathway.cbc_order import correct_record
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["change_ordered_tests"]


def change_ordered_tests(
    uow: UnitOfWork, actor: Actor, case_id: int, tests: Sequence[str], *, reason: str
) -> StoredRecord:
    """The case's order again with ``tests`` (at least one) and the reason for the change."""
    require_staff(actor, ORDERERS)
    order = uow.pathway.latest(case_id, RecordKind.ORDER)
    if order is None:
        raise NotAllowed(f"tests: case {case_id} has no order yet; place the order first")
    return correct_record(uow, actor, order.id, {"tests": list(tests)}, reason=reason)
