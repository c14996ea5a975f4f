"""Amendments and addenda per signed report, per month, with their reasons.

The rate is the month's amendments (or addenda) over the month's first signatures of a
report: how many corrections the laboratory issued for each report it issued, the
measure of the CAP Q-Probes studies of amended reports (Nakhleh RE, Zarbo RJ. Arch
Pathol Lab Med 1998;122:303-309). An amendment counts in the month it was signed, which
may be after its report's month; that is the period's work, as the studies count it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from marrowscope.domain.quality.statistics import month_of
from marrowscope.domain.quality.turnaround import ALL_MONTHS

__all__ = ["AmendmentRow", "ReasonRow", "SignedVersion", "amendment_rows", "reason_rows"]


@dataclass(frozen=True, slots=True)
class SignedVersion:
    """One signed report version: kind is original, amendment or addendum."""

    case_id: int
    version: int
    kind: str
    signed_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class AmendmentRow:
    """A month's reports, amendments and addenda, and the two rates."""

    month: str
    reports_signed: int
    amendments: int
    addenda: int

    @property
    def amendment_rate(self) -> float | None:
        """Amendments per report signed (None in a month that signed none)."""
        return self.amendments / self.reports_signed if self.reports_signed else None

    @property
    def addendum_rate(self) -> float | None:
        """Addenda per report signed (None in a month that signed none)."""
        return self.addenda / self.reports_signed if self.reports_signed else None


@dataclass(frozen=True, slots=True)
class ReasonRow:
    """How often one reason was given for one kind of new version."""

    kind: str
    reason: str
    count: int


def amendment_rows(versions: Iterable[SignedVersion]) -> list[AmendmentRow]:
    """One row per month with a signed version, and one over all months."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for v in versions:
        for month in (month_of(v.signed_at), ALL_MONTHS):
            counts[month][v.kind] += 1
    months = sorted(counts, key=lambda m: (m == ALL_MONTHS, m))
    return [
        AmendmentRow(m, counts[m]["original"], counts[m]["amendment"], counts[m]["addendum"])
        for m in months
    ]


def reason_rows(versions: Iterable[SignedVersion]) -> list[ReasonRow]:
    """Reasons of amendments and addenda, most frequent first; case and spacing ignored."""
    counts: Counter[tuple[str, str]] = Counter(
        (v.kind, " ".join(v.reason.split()).lower()) for v in versions if v.kind != "original"
    )
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [ReasonRow(kind, reason or "(none given)", n) for (kind, reason), n in ordered]
