"""Which laboratory a TXL-PBC field came from, told by its image size.

TXL-PBC (``../shared/data/txl_pbc``) pools fields from four public sets and names no
source per field, but each source has its own camera and so its own image size: 360x363
and 366x369 px are PBC (the classifier's own laboratory, Acevedo 2020), 575x575
Raabin-WBC, 640x480 BCCD and 416x416 a BCCD-derived re-export (BCD). Training that holds
one source out (``hold_out_source`` of a detector recipe) and the benchmarks that report
per source read the same table.
"""

from __future__ import annotations

__all__ = ["TXL_SOURCES", "source_of"]

TXL_SOURCES: dict[tuple[int, int], str] = {
    (360, 363): "PBC",
    (366, 369): "PBC",
    (575, 575): "Raabin",
    (640, 480): "BCCD",
    (416, 416): "BCD",
}


def source_of(size: tuple[int, int]) -> str:
    """The source of a field of ``size`` (width, height) px; ``other`` when unknown."""
    return TXL_SOURCES.get(size, "other")
