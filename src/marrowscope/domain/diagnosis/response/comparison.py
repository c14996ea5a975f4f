"""The key figures of a repeat marrow beside the previous examination's.

Blasts and plasma cells are counts, so their change is tested: Newcombe's 95 % interval
of the difference of the two proportions (``domain.counting.comparison``) decides
"beyond chance"; the M:E ratio's change is beyond chance when the two ratios' own 95 %
intervals do not overlap. Cellularity, fibrosis, the karyotype and the variants are shown
beside each other with the change, untested (they are not counts of cells here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from marrowscope.domain.counting.comparison import compare_quantity
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.me_ratio import MERatio, default_me_definition, me_ratio
from marrowscope.domain.diagnosis.response.examination import Examination

__all__ = ["KeyFigure", "compare_examinations", "comparison_text"]


@dataclass(frozen=True)
class KeyFigure:
    """One row: the previous and current values as shown, the change, and for counts
    whether it is beyond chance (None: not a count, or a value missing on one side)."""

    name: str
    previous: str
    current: str
    change: str
    beyond_chance: bool | None = None
    test: str = ""


def _shown(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def _number_row(
    name: str, before: float | None, now: float | None, unit: str = "", digits: int = 1
) -> KeyFigure:
    change = "—" if before is None or now is None else f"{now - before:+.{digits}f}{unit}"
    return KeyFigure(name, _shown(before, unit, digits), _shown(now, unit, digits), change)


def _count_row(name: str, label: str, previous: Examination, current: Examination) -> KeyFigure:
    tested = compare_quantity(name, current.counts, previous.counts) if (
        previous.counts and current.counts
    ) else None  # fmt: skip
    if tested is None:
        attribute = {"blasts": "blasts_percent_marrow", "plasma_cells": "plasma_cells_percent"}
        getter: Callable[[Examination], float | None] = lambda e: getattr(  # noqa: E731
            e.findings, attribute[name]
        )
        return _number_row(label, getter(previous), getter(current), " %")
    low, high = tested.delta_interval_points.low, tested.delta_interval_points.high
    return KeyFigure(
        label,
        f"{tested.previous_percent:.1f} % ({tested.previous_cells}/{tested.previous_total})",
        f"{tested.current_percent:.1f} % ({tested.current_cells}/{tested.current_total})",
        f"{tested.delta_points:+.1f} points",
        tested.beyond_chance,
        f"95 % interval of the difference {low:+.1f} to {high:+.1f} points (Newcombe); "
        f"two-proportion z test p = {tested.p_value:.2g}",
    )


def _me(exam: Examination) -> MERatio | None:
    if not exam.counts:
        return None
    counts = CellCounts(tuple((c, n) for c, n in exam.counts.items() if n))
    return me_ratio(counts, default_me_definition())


def _me_row(previous: Examination, current: Examination) -> KeyFigure:
    before, now = _me(previous), _me(current)
    if before is None or now is None or before.ratio is None or now.ratio is None:
        return _number_row("M:E ratio", None if before is None else before.ratio,
                           None if now is None else now.ratio)  # fmt: skip
    # with an erythroid cell counted the lower end always exists; no upper end is +inf
    b_low, n_low = before.ratio_low or 0.0, now.ratio_low or 0.0
    apart = (before.ratio_high is not None and before.ratio_high < n_low) or (
        now.ratio_high is not None and now.ratio_high < b_low
    )
    return KeyFigure(
        "M:E ratio",
        f"{before.ratio:.2f}",
        f"{now.ratio:.2f}",
        f"{now.ratio - before.ratio:+.2f}",
        apart,
        "the two ratios' 95 % intervals " + ("do not overlap" if apart else "overlap"),
    )


def _karyotype_row(previous: Examination, current: Examination) -> KeyFigure:
    before, now = previous.findings.karyotype, current.findings.karyotype
    b, n = (before.iscn if before else "—"), (now.iscn if now else "—")
    change = "—" if before is None or now is None else "same" if b == n else "changed"
    return KeyFigure("Karyotype", b, n, change)


def _variant_rows(previous: Examination, current: Examination) -> list[KeyFigure]:
    def vafs(e: Examination) -> dict[str, float | None]:
        return {f"{v.gene} {v.detail}".strip(): v.vaf_percent for v in e.findings.variants or ()}

    before, now = vafs(previous), vafs(current)
    rows = []
    for key in sorted(set(before) | set(now)):
        b = before.get(key)
        n = now.get(key)
        if key not in now and current.findings.variants is not None:
            row = KeyFigure(f"{key} VAF", _shown(b, " %"), "not detected", "cleared")
        elif key not in before and previous.findings.variants is not None:
            row = KeyFigure(f"{key} VAF", "not detected", _shown(n, " %"), "new")
        else:
            row = _number_row(f"{key} VAF", b, n, " %")
        rows.append(row)
    return rows


def compare_examinations(previous: Examination, current: Examination) -> tuple[KeyFigure, ...]:
    """The key figures, previous beside current, in the order a report gives them."""
    p, c = previous.findings, current.findings
    fibrosis = _number_row("Fibrosis grade (MF)", p.fibrosis_grade, c.fibrosis_grade, digits=0)
    return (
        _count_row("blasts", "Blasts (marrow)", previous, current),
        _count_row("plasma_cells", "Plasma cells (marrow)", previous, current),
        _me_row(previous, current),
        _number_row("Cellularity", p.cellularity_percent, c.cellularity_percent, " %"),
        fibrosis,
        _karyotype_row(previous, current),
        *_variant_rows(previous, current),
    )


def comparison_text(previous: str, figures: tuple[KeyFigure, ...], response: str = "") -> str:
    """The report's "comparison with previous examinations" paragraph: each key figure
    known on both sides, then the response wording (``previous`` names the examination,
    e.g. "case 12 of 2026-01-05")."""
    parts = []
    for f in figures:
        if f.previous == "—" and f.current == "—":
            continue
        verdict = (
            "" if f.beyond_chance is None
            else "; beyond chance" if f.beyond_chance else "; within counting chance"
        )  # fmt: skip
        parts.append(f"{f.name} {f.previous} -> {f.current} ({f.change}{verdict})")
    text = f"Compared with {previous}: " + "; ".join(parts) + "." if parts else ""
    return " ".join(t for t in (text, response) if t)
