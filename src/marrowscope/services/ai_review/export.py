"""Reviewed cells as a labelled dataset: what people decided becomes training data.

Every cell a person confirmed or changed, with the final class a person gave it and
the image kept with its record, across every case the actor may read. Rejected and
undecided cells are left out (no class a person stands behind). The export is audited
once with how many cells of which classes left the system.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from marrowscope.domain.ai_review import CallState
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.roles import Actor
from marrowscope.services.ai_review.calls import calls_for_case, require_reviewer
from marrowscope.services.ai_review.ports import ReviewStores
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import list_cases
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["ReviewedCell", "reviewed_cells"]


@dataclass(frozen=True, slots=True)
class ReviewedCell:
    """One decided cell: the person's class, the model's, who decided, and the image."""

    cell_id: int
    case_id: int
    final_code: str
    model_code: str
    model_version: str
    decided_by: str
    image: bytes


@transactional
def reviewed_cells(uow: UnitOfWork, stores: ReviewStores, actor: Actor) -> list[ReviewedCell]:
    """Every confirmed or changed cell with its image, oldest case first."""
    require_reviewer(actor, "export reviewed cells")
    store = uow.bind(stores.calls)
    out: list[ReviewedCell] = []
    for case in sorted(list_cases(uow, actor), key=lambda c: c.id):
        for call in calls_for_case(uow, stores, actor, case.id):
            if (
                call.state not in (CallState.CONFIRMED, CallState.CORRECTED)
                or call.final_code is None
            ):
                continue
            image = store.thumbnail(call.id)
            if image is None:
                continue
            out.append(
                ReviewedCell(
                    call.id, call.case_id, call.final_code.value, call.model.code.value,
                    call.model.model_version, call.decided_by or "", image,
                )
            )  # fmt: skip
    tally = Counter(c.final_code for c in out)
    record_audit(
        uow, actor, "ai_reviewed_cells", "export", AuditAction.VIEW, None,
        {"cells": len(out), "classes": dict(sorted(tally.items()))},
    )  # fmt: skip
    uow.commit()
    return out
