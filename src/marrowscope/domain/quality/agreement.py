"""Agreement per month: the model against reviewers, reviewer against reviewer, and the
cells whose decision was changed after a first review.

Overall agreement and Cohen's kappa come from ``domain.ai_review.agreement`` (the same
figures the review gallery shows). Per class, kappa is Cohen's kappa of the two raters'
yes/no answers to "is this cell of the class?", computed from that module's per-class
counts: with n pairs, a = both yes, r = the second rater's yes, m = the first's,
p_o = (n - r - m + 2a) / n, p_e = (r m + (n - r)(n - m)) / n^2,
kappa = (p_o - p_e) / (1 - p_e).

A decision's history is read from the audit log (every decision is audited with its old
and new code): a cell decided by one person and later by another is a reviewer-reviewer
pair (their first decisions); any decision on a cell already decided is a change after
review. Rejected cells have no class and are left out of agreement, as in the gallery.

References
----------
Cohen J. A coefficient of agreement for nominal scales. Educ Psychol Meas 1960;20:37-46,
doi:10.1177/001316446002000104
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from marrowscope.domain.ai_review.agreement import agreement_of
from marrowscope.domain.quality.statistics import month_of
from marrowscope.domain.quality.turnaround import ALL_MONTHS

__all__ = [
    "AI_VS_REVIEWER",
    "ALL_CLASSES",
    "REVIEWER_VS_REVIEWER",
    "AgreementRow",
    "ChangedRow",
    "Decision",
    "agreement_rows",
    "binary_kappa",
    "changed_after_review",
    "reviewer_pairs",
]

AI_VS_REVIEWER = "ai_vs_reviewer"
REVIEWER_VS_REVIEWER = "reviewer_vs_reviewer"
ALL_CLASSES = "all"


@dataclass(frozen=True, slots=True)
class Decision:
    """One audited decision on one cell: who, when, and the code it left (None: rejected)."""

    call_id: int
    at: datetime
    by: str
    code: str | None


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """Agreement of one comparison, one month, one class (or all classes)."""

    comparison: str
    month: str
    cell_class: str
    pairs: int
    agreed: int  # for one class: pairs where both said yes or both said no
    kappa: float | None


@dataclass(frozen=True, slots=True)
class ChangedRow:
    """Cells decided in a month, and how many of those decisions changed an earlier one."""

    month: str
    decisions: int
    changes_after_review: int
    code_changed: int  # of those, the ones that changed the code (not only the reviewer)


def binary_kappa(n: int, both: int, first: int, second: int) -> float | None:
    """Cohen's kappa of two yes/no raters: ``both`` said yes together, ``first`` and
    ``second`` said yes in all; None where chance agreement is total."""
    if n == 0:
        return None
    p_o = (n - first - second + 2 * both) / n
    p_e = (first * second + (n - first) * (n - second)) / (n * n)
    return None if p_e >= 1.0 else (p_o - p_e) / (1.0 - p_e)


def _rows(comparison: str, month: str, pairs: Sequence[tuple[str, str]]) -> list[AgreementRow]:
    overall = agreement_of(pairs)
    rows = [
        AgreementRow(comparison, month, ALL_CLASSES, overall.pairs, overall.agreed, overall.kappa)
    ]
    n = overall.pairs
    for c in overall.classes:
        agreed = n - c.reviewer_positive - c.model_positive + 2 * c.both_positive
        kappa = binary_kappa(n, c.both_positive, c.model_positive, c.reviewer_positive)
        rows.append(AgreementRow(comparison, month, c.code, n, agreed, kappa))
    return rows


def agreement_rows(
    comparison: str, dated_pairs: Iterable[tuple[datetime, str, str]]
) -> list[AgreementRow]:
    """Rows per month and over all months of ``(when, first rater, second rater)``."""
    by_month: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for at, first, second in dated_pairs:
        by_month[month_of(at)].append((first, second))
        by_month[ALL_MONTHS].append((first, second))
    months = sorted(by_month, key=lambda m: (m == ALL_MONTHS, m))
    return [row for m in months for row in _rows(comparison, m, by_month[m])]


def _histories(decisions: Iterable[Decision]) -> dict[int, list[Decision]]:
    out: dict[int, list[Decision]] = defaultdict(list)
    for d in sorted(decisions, key=lambda d: (d.call_id, d.at)):
        out[d.call_id].append(d)
    return out


def reviewer_pairs(decisions: Iterable[Decision]) -> list[tuple[datetime, str, str]]:
    """Cells decided by two people: (the second's time, first's code, second's code)."""
    pairs = []
    for history in _histories(decisions).values():
        first = history[0]
        other = next((d for d in history if d.by != first.by), None)
        if other is not None and first.code is not None and other.code is not None:
            pairs.append((other.at, first.code, other.code))
    return pairs


def changed_after_review(decisions: Iterable[Decision]) -> list[ChangedRow]:
    """Per month and over all months: decisions, and those made on a cell already decided."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for history in _histories(decisions).values():
        for n, d in enumerate(history):
            for month in (month_of(d.at), ALL_MONTHS):
                counts[month][0] += 1
                if n > 0:
                    counts[month][1] += 1
                    counts[month][2] += d.code != history[n - 1].code
    months = sorted(counts, key=lambda m: (m == ALL_MONTHS, m))
    return [ChangedRow(m, *counts[m]) for m in months]
