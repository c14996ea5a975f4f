"""A white cell the field shows only in part is shown to a person, not accepted.

Cut by the edge of its image, or framed without a red-cell ruler (its size unknown).

Part of such a cell lies outside the photograph: the classifier sees a fragment (a
neutrophil's lobe, a monocyte's cytoplasm without its nucleus) and still answers with a
confident class. On TXL-PBC's validation fields the detector misses 18 % of the white
cells cut by the edge against under 1 % of the others (``benchmarks/slide_fields.py``);
of those it finds, nobody has measured how often the class is right, so the call is
marked for review with the reason and never taken by Shift+A. How close to the edge
counts as cut is in ``tables/ai_review.toml``.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from marrowscope.domain.ai_review.calls import ModelCall
from marrowscope.domain.tables import load_table

__all__ = ["EDGE_REASON", "NO_RULER_REASON", "checked_at_field_edge", "cut_by_field_edge"]

EDGE_REASON = "cut by the edge of the field image: part of the cell is outside the photograph"
NO_RULER_REASON = (
    "too few red cells in the field to frame the cell at its true size: "
    "the model cannot judge its size"
)


@cache
def _margin_px() -> float:
    return float(load_table("ai_review")["field_edge"]["margin_px"])


def cut_by_field_edge(box: tuple[float, float, float, float], width: int, height: int) -> bool:
    """The box ``(x1, y1, x2, y2)`` reaches the image's edge (within the table's margin)."""
    x1, y1, x2, y2 = box
    margin = _margin_px()
    return x1 <= margin or y1 <= margin or x2 >= width - margin or y2 >= height - margin


def checked_at_field_edge(
    proposal: ModelCall,
    box: tuple[float, float, float, float],
    width: int,
    height: int,
    framed_by_box: bool = False,
) -> ModelCall:
    """The call marked for review with the reasons when the field hides part of the cell.

    Cut by the edge, the model sees a fragment; in a field without red cells to measure
    by, the crop follows the cell's own box and every cell reaches the model at one size
    (docs/slide_fields.md), so size, which tells a lymphocyte from a monocyte, is lost.
    """
    why = [
        reason
        for reason, holds in (
            (EDGE_REASON, cut_by_field_edge(box, width, height)),
            (NO_RULER_REASON, framed_by_box),
        )
        if holds
    ]
    if not why:
        return proposal
    reason = "; ".join(r for r in (*why, proposal.reason) if r)
    return replace(proposal, review=True, reason=reason[:500])
