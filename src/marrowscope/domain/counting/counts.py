"""Cell counts: the raw tally behind every differential, merged across slides.

Kept apart from the maths so the counter, the CSV reader, the database and the AI all
hand the same immutable value to ``compute_differential``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from marrowscope.domain.counting.taxonomy import CellClass, Lineage, cell_class, info
from marrowscope.domain.errors import InvalidCount
from marrowscope.domain.tables import load_table

__all__ = [
    "MAX_CELLS_PER_CLASS",
    "CellCounts",
    "erythroid_classes",
    "merge_counts",
    "nucleated_classes",
]

# The plausible ceiling of one class's count (tables/differential.toml, [counter]): a
# larger number is a typing or file error, and one past a float's range would overflow
# the percentages.
MAX_CELLS_PER_CLASS = int(load_table("differential")["counter"]["max_cells_per_class"])

_ORDER = {code: position for position, code in enumerate(CellClass)}


@cache
def nucleated_classes() -> frozenset[CellClass]:
    """Classes that make the denominator of the nucleated differential."""
    return frozenset(code for code in CellClass if info(code).in_differential)


@cache
def erythroid_classes() -> frozenset[CellClass]:
    """Nucleated erythroid precursors (removed from the non-erythroid denominator)."""
    return frozenset(
        code for code in nucleated_classes() if info(code).lineage is Lineage.ERYTHROID
    )


@dataclass(frozen=True, slots=True)
class CellCounts:
    """How many cells of each class were counted; zero classes are dropped.

    Stored as sorted ``(class, count)`` pairs so that two tallies with the same numbers are
    equal and hashable whatever order they were entered in.
    """

    items: tuple[tuple[CellClass, int], ...] = ()

    def __post_init__(self) -> None:
        merged: dict[CellClass, int] = {}
        for code, count in self.items:
            if not isinstance(code, CellClass):
                raise InvalidCount(f"not a cell class: {code!r}")
            if isinstance(count, bool) or not isinstance(count, int):
                raise InvalidCount(f"count of {code.value} must be a whole number, got {count!r}")
            if count < 0:
                raise InvalidCount(f"count of {code.value} must not be negative, got {count}")
            merged[code] = merged.get(code, 0) + count
            if merged[code] > MAX_CELLS_PER_CLASS:
                raise InvalidCount(
                    f"count of {code.value} is over {MAX_CELLS_PER_CLASS:,} cells; "
                    "no slide holds that many (a typing or file error?)"
                )
        canonical = tuple(
            (code, merged[code]) for code in sorted(merged, key=_ORDER.__getitem__) if merged[code]
        )
        object.__setattr__(self, "items", canonical)

    @classmethod
    def of(cls, counts: Mapping[CellClass, int] | Mapping[str, int]) -> CellCounts:
        """Counts from a mapping keyed by class or by code text (``{"BLA": 125}``)."""
        return cls(
            tuple(
                (code if isinstance(code, CellClass) else cell_class(code), count)
                for code, count in counts.items()
            )
        )

    def get(self, code: CellClass) -> int:
        """Cells counted of one class (0 when none)."""
        for member, count in self.items:
            if member is code:
                return count
        return 0

    def as_dict(self) -> dict[CellClass, int]:
        """A fresh, mutable copy keyed by class."""
        return dict(self.items)

    def __iter__(self) -> Iterator[tuple[CellClass, int]]:
        return iter(self.items)

    def __add__(self, other: CellCounts) -> CellCounts:
        """Merge two tallies (e.g. two slides of one aspirate): counts add per class."""
        return CellCounts(self.items + other.items)

    def sum_of(self, codes: Iterable[CellClass]) -> int:
        """Cells counted over a group of classes."""
        wanted = frozenset(codes)
        return sum(count for code, count in self.items if code in wanted)

    @property
    def total_cells(self) -> int:
        """Every tallied object, including those outside the differential."""
        return sum(count for _, count in self.items)

    @property
    def nucleated_cells(self) -> int:
        """Cells in the nucleated differential: the denominator of every percentage."""
        return self.sum_of(nucleated_classes())

    @property
    def excluded_cells(self) -> int:
        """Tallied but not in the differential (megakaryocytes, platelets, smudge, artefact)."""
        return self.total_cells - self.nucleated_cells


def merge_counts(*tallies: CellCounts) -> CellCounts:
    """Pool the counts of several slides; associative and commutative, empty for none."""
    merged = CellCounts()
    for tally in tallies:
        merged = merged + tally
    return merged
