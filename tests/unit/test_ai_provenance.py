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
    text = provenance_text(cells)
    assert "Caution: the model abstained on slide S1: 4 of 4 cells look unlike" in text
    assert "no AI differential was proposed and every cell was classified by a person" in text


def test_the_report_states_what_the_model_cannot_see() -> None:
    """Blasts, plasma cells and erythroid precursors are named as the model's blind spots."""
    text = provenance_text([_cell(1, CallState.CONFIRMED, CellClass.NGS, True)])
    assert text.endswith(
        "The model has no class for blasts, plasma cells or erythroid precursors; such "
        "cells rest on the reviewers alone."
    )


def test_a_slide_of_confident_platelet_calls_on_white_cells_is_abstained() -> None:
    """Detector white cells called PLT are odd cells even at 99 %: the slide is abstained."""
    plt = replace(_MODEL, code=CellClass.PLT, confidence=0.99, top3=((CellClass.PLT, 0.99),))
    cells = [
        replace(_cell(i, CallState.CORRECTED, CellClass.NGS, True), model=plt) for i in range(6)
    ]
    cells += [_cell(i, CallState.CONFIRMED, CellClass.NGS, True) for i in range(6, 10)]
    assert "the model abstained on slide S1: 6 of 10 cells" in provenance_text(cells)
    # 3 of 40 happens by chance at the field base rate (4 %); 4 of 8 no longer does
    chance = cells[3:6] + [
        _cell(i, CallState.CONFIRMED, CellClass.NGS, True) for i in range(10, 47)
    ]
    assert "abstained" not in provenance_text(chance)
    assert "the model abstained on slide S1: 4 of 8 cells" in provenance_text(cells[2:])
