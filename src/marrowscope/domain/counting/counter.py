"""A live cell counter: one key press per cell, undo, a cue every 100, stop at the target.

A value type (each press returns a new counter) so that the terminal counter, the web
counter and tests share one behaviour, and undo is simply "drop the last press".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from marrowscope.domain.counting.counts import CellCounts, nucleated_classes
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import InvalidInput, TransitionNotAllowed
from marrowscope.domain.tables import load_table

__all__ = ["CellCounter", "CounterKeys", "counter_keys"]


@dataclass(frozen=True, slots=True)
class CounterKeys:
    """The keyboard layout: one key per class plus undo and quit."""

    classes: Mapping[str, CellClass]
    undo: str
    quit: str


@cache
def counter_keys() -> CounterKeys:
    """The default layout of ``tables/differential.toml`` (mnemonic single keys)."""
    row = load_table("differential")["counter"]
    classes = {str(key): CellClass(code) for key, code in row["keys"].items()}
    return CounterKeys(MappingProxyType(classes), str(row["undo_key"]), str(row["quit_key"]))


def _default(name: str) -> int:
    return int(load_table("differential")["counter"][name])


@dataclass(frozen=True, slots=True)
class CellCounter:
    """The presses so far, in order, with the count target and cue interval.

    Only classes of the nucleated differential advance towards the target; a
    megakaryocyte or artefact is tallied but does not count as one of the 500.
    """

    target_cells: int
    cue_every: int
    presses: tuple[CellClass, ...] = ()
    nucleated_cells: int = 0

    def __post_init__(self) -> None:
        if self.target_cells < 1:
            raise InvalidInput(f"target must be at least 1 cell, got {self.target_cells}")
        if self.cue_every < 1:
            raise InvalidInput(f"cue interval must be at least 1 cell, got {self.cue_every}")

    @classmethod
    def start(cls, target_cells: int | None = None, cue_every: int | None = None) -> CellCounter:
        """An empty counter; the target defaults to the ICSH 500 cells."""
        return cls(
            target_cells=_default("target_cells") if target_cells is None else target_cells,
            cue_every=_default("cue_every") if cue_every is None else cue_every,
        )

    def add(self, code: CellClass) -> CellCounter:
        """Count one more cell; refused once the target is reached (raise the target first)."""
        if self.reached_target:
            raise TransitionNotAllowed(
                f"the target of {self.target_cells} cells is reached; raise it to count on"
            )
        step = 1 if code in nucleated_classes() else 0
        return CellCounter(
            self.target_cells,
            self.cue_every,
            (*self.presses, code),
            self.nucleated_cells + step,
        )

    def undo(self) -> CellCounter:
        """Take back the last press; refused on an empty counter."""
        if not self.presses:
            raise TransitionNotAllowed("nothing to undo")
        last = self.presses[-1]
        step = 1 if last in nucleated_classes() else 0
        return CellCounter(
            self.target_cells, self.cue_every, self.presses[:-1], self.nucleated_cells - step
        )

    def with_target(self, target_cells: int) -> CellCounter:
        """The same presses towards another target (e.g. extend 500 to 1000)."""
        return CellCounter(target_cells, self.cue_every, self.presses, self.nucleated_cells)

    @property
    def last(self) -> CellClass | None:
        """The class of the last press, if any."""
        return self.presses[-1] if self.presses else None

    @property
    def counts(self) -> CellCounts:
        """Totals per class, ready for ``compute_differential``."""
        totals: dict[CellClass, int] = {}
        for code in self.presses:
            totals[code] = totals.get(code, 0) + 1
        return CellCounts(tuple(totals.items()))

    @property
    def reached_target(self) -> bool:
        """Enough nucleated cells were counted."""
        return self.nucleated_cells >= self.target_cells

    @property
    def cue(self) -> bool:
        """The last press completed a block of ``cue_every`` nucleated cells."""
        last = self.last
        return (
            last is not None
            and last in nucleated_classes()
            and self.nucleated_cells % self.cue_every == 0
        )
