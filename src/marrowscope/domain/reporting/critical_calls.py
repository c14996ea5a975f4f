"""A report whose blood count holds a critical value is released only after the call.

A critical value (``tables/critical_values.toml``) is one someone must act on today; the
laboratory's duty is to telephone it and log who was told, when, by whom, and that the
recipient read it back (ISO 15189:2022, 7.4.1.3; CLSI GP47, read-back by the recipient). The
log is the proof the duty was done, so the report of such a case does not reach the
patient until a call with read-back is logged at or after the blood count was recorded:
a call about an earlier count is not a call about this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marrowscope.domain.errors import NotAllowed
from marrowscope.domain.pathway.cbc import ANALYTES, analyte_info
from marrowscope.domain.pathway.critical_values import critical_value
from marrowscope.domain.pathway.records import CaseRecord, RecordKind

__all__ = [
    "CriticalFinding",
    "critical_findings",
    "findings_of_count",
    "require_critical_call",
]


@dataclass(frozen=True, slots=True)
class CriticalFinding:
    """One value of the newest blood count beyond its critical limit."""

    analyte: str
    name: str
    value: float
    unit: str
    side: str  # "below" | "above"
    limit: float
    recorded_at: datetime

    @property
    def words(self) -> str:
        """'Platelets 8 x10^9/L (below 20)'."""
        return f"{self.name} {self.value:g} {self.unit} ({self.side} {self.limit:g})"


def critical_findings(record: CaseRecord) -> tuple[CriticalFinding, ...]:
    """The critical values of the case's newest blood count, in the table's order."""
    cbc = record.latest(RecordKind.CBC)
    if cbc is None:
        return ()
    return findings_of_count(cbc.payload, cbc.recorded_at)


def findings_of_count(
    payload: Mapping[str, Any], recorded_at: datetime
) -> tuple[CriticalFinding, ...]:
    """The critical values of one stored blood count (its ``values``, canonical units)."""
    values = payload.get("values", {})
    found = []
    for key in ANALYTES:
        if key not in values or values[key] is None:
            continue
        value = float(values[key])
        critical = critical_value(key, value)
        if critical is not None:
            info = analyte_info(key)
            found.append(
                CriticalFinding(
                    key,
                    info.name,
                    value,
                    info.unit,
                    critical.side,
                    critical.limit,
                    recorded_at,
                )  # fmt: skip
            )
    return tuple(found)


def require_critical_call(
    case_id: int, findings: Iterable[CriticalFinding], confirmed_calls: Iterable[datetime]
) -> None:
    """Refuse (``NotAllowed``) while a critical value has no logged call with read-back.

    ``confirmed_calls`` are the times of the case's logged calls whose recipient read the
    values back; one at or after the blood count was recorded satisfies the rule.
    """
    items = list(findings)
    if not items:
        return
    # a call is typed to the second: one logged in the same second as the count counts
    since = max(f.recorded_at for f in items).replace(microsecond=0)
    if any(at >= since for at in confirmed_calls):
        return
    values = "; ".join(f.words for f in items)
    raise NotAllowed(
        f"release: case {case_id} has a critical blood count value ({values}) and no call "
        f"log entry with read-back confirmed since the count; log on the case page who was "
        f"told, when and by whom before releasing"
    )
