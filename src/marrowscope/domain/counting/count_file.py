"""Cell counts from CSV text (``code,count``), with errors that name the line.

Parsing text is pure, so it lives in the domain; reading the file is the adapter's job.
A code given twice in one file is refused rather than summed: in a hand-made file it is
far more often a typing slip than intent, and several slides are merged by passing
several files.
"""

from __future__ import annotations

import csv
import io
import re

from marrowscope.domain.counting.counts import MAX_CELLS_PER_CLASS, CellCounts
from marrowscope.domain.counting.taxonomy import CellClass, cell_class
from marrowscope.domain.errors import EmptyCount, InvalidCount, UnknownCellCode

__all__ = ["counts_to_csv", "parse_counts_csv"]

_HEADER = ["code", "count"]
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def parse_counts_csv(text: str, source: str = "counts") -> CellCounts:
    """Counts of one CSV text; blank lines and lines starting with ``#`` are skipped.

    Raises
    ------
    EmptyCount
        No header or no data row.
    UnknownCellCode, InvalidCount
        With ``source`` and the line number in the message.
    """
    try:
        return _parse(text, source)
    except csv.Error as error:
        # A bare carriage return inside a field, a NUL byte...: the file, not the program.
        raise InvalidCount(f"{source}: not a readable CSV file ({error})") from None


def _parse(text: str, source: str) -> CellCounts:
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header_seen = False
    seen: dict[CellClass, int] = {}
    items: list[tuple[CellClass, int]] = []
    for number, fields in enumerate(rows, start=1):
        cells = [field.strip() for field in fields]
        if not any(cells) or cells[0].startswith("#"):
            continue
        where = f"{source} line {number}"
        if not header_seen:
            if [cell.lower() for cell in cells] != _HEADER:
                raise InvalidCount(f"{where}: expected the header 'code,count', got {fields!r}")
            header_seen = True
            continue
        if len(cells) != 2:
            raise InvalidCount(f"{where}: expected 2 fields (code,count), got {len(cells)}")
        try:
            code = cell_class(cells[0])
        except UnknownCellCode as error:
            raise UnknownCellCode(f"{where}: {error}") from None
        if code in seen:
            raise InvalidCount(
                f"{where}: code {code.value} already given on line {seen[code]}; "
                "give each code once (pass several files to merge slides)"
            )
        if not _WHOLE_NUMBER.fullmatch(cells[1]):
            raise InvalidCount(
                f"{where}: count of {code.value} must be a whole number, got {cells[1]!r}"
            )
        if len(cells[1].lstrip("+-").lstrip("0")) > len(str(MAX_CELLS_PER_CLASS)):
            # Refused on its length: int() of a 5,000-digit text raises its own error.
            raise InvalidCount(
                f"{where}: count of {code.value} is over {MAX_CELLS_PER_CLASS:,} cells"
            )
        count = int(cells[1])
        if count < 0:
            raise InvalidCount(f"{where}: count of {code.value} must not be negative, got {count}")
        seen[code] = number
        items.append((code, count))
    if not items:
        raise EmptyCount(f"{source}: no counts (expected a 'code,count' header and rows)")
    return CellCounts(tuple(items))


def counts_to_csv(counts: CellCounts) -> str:
    """The CSV text that ``parse_counts_csv`` reads back into the same counts."""
    lines = ["code,count", *(f"{code.value},{count}" for code, count in counts)]
    return "\n".join(lines) + "\n"
