"""The rules of AI pre-classification, without a database: who decides what, and what counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from marrowscope.domain.ai_review import (
    CallState,
    CellCall,
    ModelCall,
    confirmed_counts,
    decide,
    progress_of,
    require_all_decided,
)
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import ImmutableRecord, InvalidInput, NotAllowed

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _call(n: int, code: CellClass = CellClass.NGS, *, review: bool = False) -> CellCall:
    model = ModelCall(code, 0.97, ((code, 0.97),), review, "", "cellnet80", "sha256:abc")
    return CellCall(n, 1, "S1", f"{n}.jpg", f"{n:064d}", model, "mo", AT)


def test_choosing_the_models_code_confirms_and_another_code_corrects() -> None:
    """The model's call stays as it was; the decision sits beside it."""
    call = _call(1, CellClass.NGS)

    confirmed = decide(call, CellClass.NGS, by="mo", at=AT)
    corrected = decide(call, CellClass.BLA, by="dr.path", at=AT)
    rejected = decide(call, None, by="mo", at=AT)

    assert confirmed.state is CallState.CONFIRMED and confirmed.final_code is CellClass.NGS
    assert corrected.state is CallState.CORRECTED and corrected.final_code is CellClass.BLA
    assert corrected.model == call.model and corrected.decided_by == "dr.path"
    assert rejected.state is CallState.REJECTED and rejected.final_code is None


def test_a_decision_can_be_revised_until_the_cell_is_counted() -> None:
    """Changing one's mind is allowed; after counting the saved count is edited instead."""
    revised = decide(decide(_call(1), CellClass.EOS, by="mo", at=AT), None, by="mo", at=AT)
    counted = replace(decide(_call(2), CellClass.EOS, by="mo", at=AT), slide_count_id=7)

    assert revised.state is CallState.REJECTED
    with pytest.raises(ImmutableRecord, match="slide count 7"):
        decide(counted, CellClass.NGS, by="mo", at=AT)


def test_only_decided_uncounted_cells_with_a_code_are_counted() -> None:
    """Proposed, rejected and already counted cells never enter a new count."""
    calls = [
        decide(_call(1), CellClass.NGS, by="mo", at=AT),
        decide(_call(2), CellClass.BLA, by="mo", at=AT),
        decide(_call(3), CellClass.BLA, by="mo", at=AT),
        decide(_call(4), None, by="mo", at=AT),
        _call(5),
        replace(decide(_call(6), CellClass.NGS, by="mo", at=AT), slide_count_id=1),
    ]

    assert confirmed_counts(calls) == {CellClass.NGS: 1, CellClass.BLA: 2}


def test_a_slide_with_any_undecided_cell_is_refused_naming_the_flagged_ones() -> None:
    """Cells marked for review are never counted unseen, nor are unflagged ones."""
    calls = [decide(_call(1), CellClass.NGS, by="mo", at=AT), _call(2, review=True), _call(3)]

    with pytest.raises(NotAllowed, match=r"2 cell\(s\) still await a decision \(1 marked"):
        require_all_decided(calls)
    require_all_decided(calls[:1])


def test_progress_tallies_each_state_of_one_slide() -> None:
    """What the page shows per slide."""
    calls = [
        decide(_call(1), CellClass.NGS, by="mo", at=AT),
        decide(_call(2), CellClass.EOS, by="mo", at=AT),
        decide(_call(3), None, by="mo", at=AT),
        _call(4, review=True),
        replace(_call(5), slide_label="S2"),
    ]

    progress = progress_of("S1", calls)

    assert (progress.total, progress.proposed, progress.flagged_undecided) == (4, 1, 1)
    assert (progress.confirmed, progress.corrected, progress.rejected) == (1, 1, 1)
    assert not progress.complete


@pytest.mark.parametrize("confidence", [-0.01, 1.01])
def test_a_confidence_outside_0_to_1_is_refused(confidence: float) -> None:
    """A calibrated probability lies in [0, 1]; anything else is a broken model output."""
    with pytest.raises(InvalidInput):
        ModelCall(CellClass.NGS, confidence, (), False, "", "m", "v")
