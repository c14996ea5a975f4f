"""Changing a cell after its slide was counted: the cell and the count change together.

A counted slide's cells are frozen because the differential was built from them. A
morphologist who later sees a mistake (on a second look, or after a colleague's
opinion) changes the cell here with a reason: in one transaction the cell's decision
is replaced and the slide count is corrected to the counts of its cells, with the same
reason in the count's history. The two can therefore never disagree.
"""

from __future__ import annotations

from collections import Counter

from marrowscope.domain.ai_review import CellCall, decide_counted
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.counting.taxonomy import cell_class
from marrowscope.domain.errors import NotFound
from marrowscope.domain.roles import Actor
from marrowscope.services import counting
from marrowscope.services.ai_review.calls import require_reviewer
from marrowscope.services.ai_review.ports import ReviewStores
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import case_grant
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["change_counted_cell", "counted_cells_counts"]


def counted_cells_counts(calls: list[CellCall], slide_count_id: int) -> dict[str, int]:
    """Counts per class of the cells counted into one slide count (rejected ones left out)."""
    tally = Counter(
        c.final_code.value
        for c in calls
        if c.slide_count_id == slide_count_id and c.final_code is not None
    )
    return dict(tally)


@transactional
def change_counted_cell(
    uow: UnitOfWork,
    stores: ReviewStores,
    actor: Actor,
    call_id: int,
    code: str | None,
    reason: str,
) -> CellCall:
    """Decide a counted cell again (``None`` rejects it) and correct its slide count."""
    require_reviewer(actor, "change a counted cell")
    chosen = None if code is None or not code.strip() else cell_class(code.strip())
    store = uow.bind(stores.calls)
    call = store.get_for_update(call_id)
    if call is None:
        raise NotFound(f"no cell call {call_id}")
    case_grant(uow, actor, call.case_id)  # a cell's route names no case: its case's rule
    changed = decide_counted(call, chosen, reason, by=actor.username, at=uow.now())
    store.save_decision(changed)
    record_audit(
        uow, actor, "ai_cell_call", call.id, AuditAction.SUPERSEDE,
        {"state": call.state, "final_code": call.final_code.value if call.final_code else None},
        {"state": changed.state, "final_code": chosen.value if chosen else None,
         "reason": reason.strip(), "slide_count_id": call.slide_count_id},
        case_id=call.case_id,
    )  # fmt: skip
    assert changed.slide_count_id is not None  # decide_counted refuses uncounted cells
    counts = counted_cells_counts(
        list(store.for_case(call.case_id, call.slide_label)), changed.slide_count_id
    )
    # edit_saved_count commits: the cell's new decision and the count land together.
    counting.edit_saved_count(
        uow, stores.accounts, actor, changed.slide_count_id, counts,
        f"cell {call.id} changed after counting: {reason.strip()}",
    )  # fmt: skip
    return changed
