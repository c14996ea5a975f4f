"""The live counter: presses, undo, cue every 100 cells, stop at the target."""

from __future__ import annotations

import pytest

from marrowscope.domain.counting.counter import CellCounter, counter_keys
from marrowscope.domain.counting.taxonomy import CellClass as C
from marrowscope.domain.errors import InvalidInput, TransitionNotAllowed


def test_a_new_counter_aims_at_500_cells_with_a_cue_every_100() -> None:
    counter = CellCounter.start()

    assert (counter.target_cells, counter.cue_every) == (500, 100)
    assert counter.nucleated_cells == 0 and not counter.reached_target and not counter.cue


def test_presses_total_per_class_and_undo_takes_back_the_last() -> None:
    counter = CellCounter.start().add(C.BLA).add(C.NGS).add(C.NGS)

    undone = counter.undo()

    assert counter.counts.as_dict() == {C.BLA: 1, C.NGS: 2}
    assert undone.counts.as_dict() == {C.BLA: 1, C.NGS: 1}
    assert undone.nucleated_cells == 2 and undone.last is C.NGS


def test_undo_on_an_empty_counter_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed, match="nothing to undo"):
        CellCounter.start().undo()


def test_cells_outside_the_differential_are_tallied_but_do_not_advance_the_count() -> None:
    counter = CellCounter.start(target_cells=2).add(C.MGK).add(C.KSC).add(C.LYT)

    assert counter.nucleated_cells == 1 and not counter.reached_target
    assert counter.counts.get(C.MGK) == 1
    assert counter.undo().undo().nucleated_cells == 0


def test_the_cue_sounds_on_each_hundredth_nucleated_cell_only() -> None:
    counter = CellCounter.start()
    cues = []
    for _ in range(250):
        counter = counter.add(C.NGS)
        cues.append(counter.cue)

    assert [i + 1 for i, cue in enumerate(cues) if cue] == [100, 200]
    assert not counter.add(C.MGK).cue


def test_counting_stops_at_the_target_until_it_is_raised() -> None:
    counter = CellCounter.start(target_cells=3)
    for code in (C.BLA, C.NGS, C.EPC):
        counter = counter.add(code)

    assert counter.reached_target
    with pytest.raises(TransitionNotAllowed, match="target"):
        counter.add(C.NGS)
    assert counter.with_target(4).add(C.NGS).reached_target


def test_a_target_below_one_cell_is_refused() -> None:
    with pytest.raises(InvalidInput):
        CellCounter.start(target_cells=0)


def test_the_default_keymap_gives_one_key_per_counted_class_and_keeps_undo_free() -> None:
    keys = counter_keys()

    assert len(set(keys.classes.values())) == len(keys.classes)
    assert keys.undo not in keys.classes and keys.quit not in keys.classes
    assert keys.classes["b"] is C.BLA and keys.classes["s"] is C.NGS
    assert all(len(key) == 1 for key in keys.classes)
