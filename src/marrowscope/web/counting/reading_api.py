"""The JSON API that reads counts: every slide of a case with the slides merged, and one
slide's count with its live figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from marrowscope.services import counting
from marrowscope.services.cases import get_case
from marrowscope.web.counting.counter import count_payload
from marrowscope.web.deps import (
    Ctx,
    SignedIn,
    require,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

Reader = Annotated[SignedIn, Depends(require(*counting.READING_ROLES))]


@router.get("/cases/{case_id}/counts")
def case_counts(ctx: Ctx, me: Reader, case_id: int) -> dict[str, Any]:
    """Every slide counted for a case, and the slides merged."""
    with ctx.uow() as uow:
        get_case(uow, me.actor, case_id)
        slides = counting.counts_for_case(uow, ctx.stores, me.actor, case_id)
    merged = counting.merged_counts(slides)
    summary = counting.summarise(merged)
    return {
        "slides": [count_payload(s) for s in slides],
        "merged": {
            "counts": {c.value: n for c, n in merged.items()},
            "nucleated_cells": summary.nucleated_cells,
            "percentages": {c.value: p for c, p in summary.percentages.items()},
            "me_ratio": summary.me_ratio,
            "flags": list(summary.flags),
        },
    }


@router.get("/counts/{count_id}")
def get_count(ctx: Ctx, me: Reader, count_id: int) -> dict[str, object]:
    """One slide's count with its live figures."""
    with ctx.uow() as uow:
        count = counting.get_count(uow, ctx.stores, me.actor, count_id)
    return count_payload(count)
