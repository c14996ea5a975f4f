"""The report's sentence on how an AI-assisted slide was counted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from marrowscope.domain.ai_review import (
    CallState,
    CellCall,
    FieldOrigin,
    ModelCall,
    provenance_text,
)
from marrowscope.domain.counting.taxonomy import CellClass

_AT = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
_MODEL = ModelCall(
    CellClass.NGS, 0.9, ((CellClass.NGS, 0.9),), False, "", "cellnet80d", "sha256:abc"
)


def _cell(i: int, state: CallState, final: CellClass | None, counted: bool) -> CellCall:
    origin = FieldOrigin(
        f"f{i % 2}.jpg", f"{i % 2:064d}", (0, 0, 10, 10), "cellfinder320", "sha256:def", 0.9
    )
    return CellCall(
        i, 1, "S1", f"cell {i}", "0" * 64, _MODEL, "mo", _AT, state, final, "mo.rph", _AT,
        7 if counted else None, origin,
    )  # fmt: skip


def test_a_counted_slide_names_models_people_and_decisions() -> None:
    cells = [
        _cell(1, CallState.CONFIRMED, CellClass.NGS, True),
        _cell(2, CallState.CORRECTED, CellClass.LYT, True),
        _cell(3, CallState.REJECTED, None, False),
    ]
    text = provenance_text(cells)
    assert text.startswith("Slide S1: 3 cells found in 2 field image(s) by cellfinder320")
    assert "cellnet80d (sha256:abc) (AI-proposed), each reviewed by mo.rph" in text
    assert "1 confirmed, 1 changed, 1 rejected" in text


def test_nothing_is_said_before_the_slide_is_counted() -> None:
    cells = [replace(_cell(1, CallState.CONFIRMED, CellClass.NGS, False))]
    assert provenance_text(cells) == ""


def test_a_slide_of_unfamiliar_cells_carries_the_caution_into_the_report() -> None:
    odd = replace(_MODEL, unfamiliar=True, review=True, reason="unlike any cell")
    cells = [
        replace(_cell(i, CallState.CORRECTED, CellClass.BLA, True), model=odd) for i in range(4)
    ]
    assert "Caution: Slide S1: 4 of 4 cells look unlike" in provenance_text(cells)
