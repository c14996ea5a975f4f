"""A manual differential count on one slide, as the counter saves it.

The browser counts; the server keeps the latest state of each slide with a version
number (the number of key presses and undos the browser had applied). A state with a
version no newer than the stored one is a replay of something already saved and changes
nothing, so a request sent twice, or late, can neither lose nor double a count. A version
no person could have reached (``MAX_VERSION``) is refused: stored, it would make every
later save look stale and the slide could never be finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from marrowscope.domain.counting.taxonomy import CellClass, cell_class, info
from marrowscope.domain.errors import InvalidCount
from marrowscope.domain.tables import load_table

__all__ = [
    "MAX_VERSION",
    "CountStatus",
    "SlideCount",
    "check_version",
    "differential_total",
    "parse_counts",
]

# Presses and undos a counter can apply (tables/differential.toml, [counter] max_version).
MAX_VERSION = int(load_table("differential")["counter"]["max_version"])


class CountStatus(StrEnum):
    """A slide is being counted, or its count was saved as final (editable with a reason)."""

    COUNTING = "counting"
    SAVED = "saved"


@dataclass(frozen=True, slots=True)
class SlideCount:
    """The stored state of one slide's count."""

    id: int
    case_id: int
    slide_label: str
    counts: Mapping[CellClass, int]
    version: int
    target: int
    status: CountStatus
    counted_by: str
    updated_at: datetime

    @property
    def total(self) -> int:
        """Cells that enter the differential (the number compared with the target)."""
        return differential_total(self.counts)


def differential_total(counts: Mapping[CellClass, int]) -> int:
    """Cells counted that enter the nucleated differential."""
    return sum(n for c, n in counts.items() if info(c).in_differential)


def check_version(version: int) -> int:
    """``version`` if a counter could have reached it, else ``InvalidCount``."""
    if isinstance(version, bool) or not 0 <= version <= MAX_VERSION:
        raise InvalidCount(f"version: a whole number from 0 to {MAX_VERSION}, got {version}")
    return version


def parse_counts(raw: Mapping[str, object], target: int) -> dict[CellClass, int]:
    """Counts from a browser or a form: known codes, whole non-negative numbers, within target.

    Classes outside the differential (platelets, smudge cells, artefacts) do not count
    towards the target, as the counter does not stop for them.
    """
    counts: dict[CellClass, int] = {}
    for code, value in raw.items():
        klass = cell_class(code)
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidCount(f"{klass.value}: count must be a whole number")
        try:
            number = int(value)
        except ValueError:
            raise InvalidCount(f"{klass.value}: count must be a whole number") from None
        if number < 0:
            raise InvalidCount(f"{klass.value}: count cannot be negative")
        if number:
            counts[klass] = counts.get(klass, 0) + number
    total = differential_total(counts)
    if total > target:
        raise InvalidCount(f"{total} cells counted exceed the target of {target}")
    return counts
