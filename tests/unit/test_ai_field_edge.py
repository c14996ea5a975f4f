"""Which boxes are cut by the field's edge, and what the call says then."""

from __future__ import annotations

import pytest

from marrowscope.domain.ai_review import (
    EDGE_REASON,
    NO_RULER_REASON,
    ModelCall,
    checked_at_field_edge,
    cut_by_field_edge,
)
from marrowscope.domain.counting.taxonomy import CellClass


@pytest.mark.parametrize(
    ("box", "cut"),
    [
        ((0.0, 40.0, 60.0, 100.0), True),  # left edge
        ((40.0, 1.5, 100.0, 60.0), True),  # top, within the 2 px margin
        ((300.0, 100.0, 359.0, 160.0), True),  # right edge of a 360 px field
        ((100.0, 300.0, 160.0, 362.0), True),  # bottom of a 363 px field
        ((3.0, 3.0, 356.0, 359.0), False),  # large but inside
        ((100.0, 100.0, 160.0, 160.0), False),
    ],
)
def test_cut_by_the_edge(box: tuple[float, float, float, float], cut: bool) -> None:
    assert cut_by_field_edge(box, 360, 363) is cut


def test_the_call_keeps_its_class_and_gains_the_reason() -> None:
    call = ModelCall(CellClass.NGS, 0.99, ((CellClass.NGS, 0.99),), False, "", "m", "v")
    marked = checked_at_field_edge(call, (0.0, 10.0, 50.0, 60.0), 360, 363)
    kept = checked_at_field_edge(call, (100.0, 100.0, 150.0, 150.0), 360, 363)

    assert marked.review and marked.reason == EDGE_REASON and marked.code is CellClass.NGS
    assert kept == call
    low = checked_at_field_edge(
        ModelCall(CellClass.LYT, 0.5, (), True, "confidence 0.50 below 0.97", "m", "v"),
        (0.0, 10.0, 50.0, 60.0), 360, 363,
    )  # fmt: skip
    assert low.reason == f"{EDGE_REASON}; confidence 0.50 below 0.97"


def test_a_cell_framed_without_a_red_cell_ruler_waits_with_the_reason() -> None:
    call = ModelCall(CellClass.LYT, 0.99, ((CellClass.LYT, 0.99),), False, "", "m", "v")
    inside = (100.0, 100.0, 150.0, 150.0)

    marked = checked_at_field_edge(call, inside, 360, 363, framed_by_box=True)
    both = checked_at_field_edge(call, (0.0, 10.0, 50.0, 60.0), 360, 363, framed_by_box=True)

    assert marked.review and marked.reason == NO_RULER_REASON
    assert both.reason == f"{EDGE_REASON}; {NO_RULER_REASON}"
    assert checked_at_field_edge(call, inside, 360, 363, framed_by_box=False) == call
