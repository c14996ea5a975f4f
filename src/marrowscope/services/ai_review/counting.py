"""Turning a fully decided slide into an ordinary saved slide count.

Its own module because this is where the review hands over to ``services.counting``:
from here on the confirmed cells join the case's differential beside the slides
counted by hand, and the cells and the count must never disagree.
"""

from __future__ import annotations

from marrowscope.domain.ai_review import CallState, confirmed_counts, require_all_decided
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.counting.slide_counts import CountStatus, SlideCount, differential_total
from marrowscope.domain.errors import Conflict, EmptyCount, NotFound
from marrowscope.domain.roles import Actor
from marrowscope.services import counting
from marrowscope.services.ai_review.calls import clean_label, require_case, require_reviewer
from marrowscope.services.ai_review.ports import ReviewStores
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["count_slide"]


def _reusable(existing: SlideCount, actor: Actor) -> bool:
    """An empty count left open by an earlier attempt of the same person (see below)."""
    return (
        existing.status is CountStatus.COUNTING
        and not existing.counts
        and existing.counted_by == actor.username
    )


@transactional
def count_slide(
    uow: UnitOfWork, stores: ReviewStores, actor: Actor, case_id: int, slide_label: str
) -> SlideCount:
    """Turn a fully decided slide into a saved slide count of the case's differential.

    Every cell must have a person's decision first; rejected cells are left out. The
    slide count carries the slide's label, its target is the number of differential
    cells confirmed, and from then on it is edited like any count (with a reason).

    ``open_slide`` and ``finish_count`` commit on their own: opening an empty count
    is harmless, and marking the cells counted is committed by ``finish_count``
    together with the counts, so cells and count never disagree. An empty count left
    by a failed attempt is reused on the next.
    """
    require_reviewer(actor, "count a differential")
    require_case(uow, case_id)
    label = clean_label(slide_label)
    store = uow.bind(stores.calls)
    calls = list(store.for_case(case_id, label))
    if not calls:
        raise NotFound(f"no cells uploaded for slide {label!r}")
    counted = {c.slide_count_id for c in calls if c.slide_count_id is not None}
    if counted:
        raise Conflict(f"slide {label!r} is already counted (slide count {min(counted)})")
    require_all_decided(calls)
    counts = confirmed_counts(calls)
    cells = differential_total(counts)
    if cells == 0:
        raise EmptyCount(f"slide {label!r} has no confirmed cell that enters the differential")

    slides = counting.counts_for_case(uow, stores.accounts, actor, case_id)
    same = next((s for s in slides if s.slide_label == label), None)
    if same is not None and not _reusable(same, actor):
        raise Conflict(f"a slide count labelled {label!r} already exists for this case")
    opened = same or counting.open_slide(uow, stores.accounts, actor, case_id, label, target=cells)
    if opened.target != cells:
        raise Conflict(f"slide count {opened.id} was opened for {opened.target} cells, not {cells}")
    ids = [c.id for c in calls if c.countable]
    store.mark_counted(ids, opened.id)
    record_audit(
        uow,
        actor,
        "ai_slide",
        f"{case_id}:{label}",
        AuditAction.TRANSITION,
        {"slide_count_id": None},
        {
            "slide_count_id": opened.id,
            "cells": len(ids),
            "rejected": sum(1 for c in calls if c.state is CallState.REJECTED),
            "counts": {c.value: n for c, n in sorted(counts.items())},
        },
        case_id=case_id,
    )
    return counting.finish_count(
        uow,
        stores.accounts,
        actor,
        opened.id,
        opened.version + 1,
        {c.value: n for c, n in counts.items()},
    )
