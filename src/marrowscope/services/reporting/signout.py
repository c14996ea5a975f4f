"""Before sign-out: the prefilled draft a pathologist starts from, and the warnings.

Read-only; ``services.reporting`` calls ``signout_warnings`` again inside sign-out, so a
client that skips the page (the API, the CLI) meets the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.reporting import SignoutWarning, pending_tests, prefill_fields
from marrowscope.domain.reporting import signout_warnings as _warnings
from marrowscope.domain.roles import Actor
from marrowscope.services.cases import load_case_record
from marrowscope.services.reporting.store import ReportStore
from marrowscope.services.reporting.views import list_versions
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["draft_prefill", "signout_warnings"]


def draft_prefill(uow: UnitOfWork, actor: Actor, case_id: int) -> dict[str, str]:
    """What a new draft would start with (shown in the form before the first save)."""
    return prefill_fields(load_case_record(uow, actor, case_id))


def signout_warnings(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    undecided_ai_cells: int = 0,
    stores: Callable[[Any], ReportStore] | None = None,
) -> tuple[SignoutWarning, ...]:
    """Warnings for signing the newest draft: count size, open tests, undecided AI cells.

    The count is the draft's differential snapshot (what will be signed), not the
    slides counted since.
    """
    versions = list_versions(uow, actor, case_id, stores=stores)
    counts = dict(versions[-1].counts) if versions else {}
    tally = CellCounts(tuple((CellClass(code), int(n)) for code, n in counts.items()))
    pending = pending_tests(load_case_record(uow, actor, case_id))
    return _warnings(tally.nucleated_cells, pending, undecided_ai_cells)
