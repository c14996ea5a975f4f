"""The myeloid to erythroid (M:E) ratio, with the lab's own definition of "myeloid".

Laboratories disagree on whether blasts and monocytes belong to the myeloid side, and
the ratio moves with that choice; the definition is therefore part of every result.
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.domain.counting.confidence import IntervalMethod, proportion_interval
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.taxonomy import CellClass, MERole, info
from marrowscope.domain.tables import load_table

__all__ = ["MEDefinition", "MERatio", "default_me_definition", "me_ratio"]


@dataclass(frozen=True, slots=True)
class MEDefinition:
    """Which cells count as myeloid.

    Granulocytes and their precursors (and eosinophils and basophils) always do; blasts
    and monocytes by choice. The default (``default_me_definition``) follows ICSH 2008:
    blasts in, monocytes out.
    """

    include_blasts: bool
    include_monocytes: bool

    def myeloid_roles(self) -> frozenset[MERole]:
        """The taxonomy roles counted on the myeloid side."""
        roles = {MERole.MYELOID}
        if self.include_blasts:
            roles.add(MERole.BLAST)
        if self.include_monocytes:
            roles.add(MERole.MONOCYTIC)
        return frozenset(roles)

    def describe(self) -> str:
        """Plain words for a report footnote."""
        blasts = "with" if self.include_blasts else "without"
        monocytes = "with" if self.include_monocytes else "without"
        return f"granulocytic cells {blasts} blasts, {monocytes} monocytes : erythroid precursors"


def default_me_definition() -> MEDefinition:
    """The table's default (ICSH 2008): blasts counted as myeloid, monocytes not."""
    row = load_table("differential")["me_ratio"]
    return MEDefinition(
        include_blasts=bool(row["include_blasts"]),
        include_monocytes=bool(row["include_monocytes"]),
    )


@dataclass(frozen=True, slots=True)
class MERatio:
    """M:E ratio with an interval; ``ratio`` is None when no erythroid cell was counted."""

    definition: MEDefinition
    myeloid_cells: int
    erythroid_cells: int
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None


def me_ratio(
    counts: CellCounts,
    definition: MEDefinition,
    level: float = 0.95,
    method: IntervalMethod = IntervalMethod.WILSON,
) -> MERatio:
    """M:E ratio of a count.

    Its interval comes from the binomial interval of the myeloid share p = M / (M + E),
    mapped through the monotone p / (1 − p); an upper end of p = 1 gives no upper bound.
    """
    roles = definition.myeloid_roles()
    myeloid = sum(n for code, n in counts if info(code).me_role in roles and _nucleated(code))
    erythroid = sum(n for code, n in counts if info(code).me_role is MERole.ERYTHROID)
    if erythroid == 0:
        return MERatio(definition, myeloid, erythroid, None, None, None)
    interval = proportion_interval(myeloid, myeloid + erythroid, level, method)
    high = None if interval.high >= 1.0 else interval.high / (1 - interval.high)
    return MERatio(
        definition=definition,
        myeloid_cells=myeloid,
        erythroid_cells=erythroid,
        ratio=myeloid / erythroid,
        ratio_low=interval.low / (1 - interval.low),
        ratio_high=high,
    )


def _nucleated(code: CellClass) -> bool:
    return info(code).in_differential
