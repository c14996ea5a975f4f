"""The dashboard's tables as plain rows: one source for the page, the CSV and the JSON, so
the three can never disagree."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import datetime
from typing import Any

from marrowscope.domain.lab import TestType, test_label
from marrowscope.services.quality import Dashboard

__all__ = ["TABLES", "as_csv", "tables_of", "test_words"]

# table name -> the row properties added to its dataclass fields
_EXTRA: dict[str, tuple[str, ...]] = {
    "turnaround": ("within_target_share",),
    "amendments": ("amendment_rate", "addendum_rate"),
    "critical": ("hours_to_call",),
}
TABLES = (
    "turnaround", "overdue", "amendments", "reasons", "critical", "critical_months",
    "agreement", "changed",
)  # fmt: skip


def test_words(code: str) -> str:
    """'Cytogenetics (karyotype)' for a test type; 'Report' for the case's report."""
    try:
        return test_label(TestType(code))
    except ValueError:
        return code.capitalize()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value.value if hasattr(value, "value") else value


def tables_of(board: Dashboard) -> dict[str, list[dict[str, Any]]]:
    """Every table as a list of rows of JSON scalars."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in TABLES:
        rows = []
        for row in getattr(board, name):
            values = {k: _plain(v) for k, v in asdict(row).items()}
            values.update({k: _plain(getattr(row, k)) for k in _EXTRA.get(name, ())})
            rows.append(values)
        out[name] = rows
    return out


def as_csv(rows: list[dict[str, Any]]) -> str:
    """One table as CSV with a header row (an empty table: the header is unknown, so empty)."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
