"""Report charts as PNG bytes (matplotlib, Agg backend): differential against reference
ranges, and blast percentage over serial examinations of one patient.

PNG metadata carries no software version or date, so the same report gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from marrowscope.domain.reporting import (
    RangeRow,  # noqa: E402
    TrendPoint,  # noqa: E402
)

__all__ = ["blast_trend_png", "differential_png", "monthly_rates_png", "turnaround_png"]

_METADATA: dict[str, str | None] = {"Software": None}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata=_METADATA)
    plt.close(fig)
    return buffer.getvalue()


def differential_png(rows: Sequence[RangeRow]) -> bytes:
    """Horizontal bars: each value with its 95 % interval, the reference range shaded."""
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(rows) + 1.0))
    for i, row in enumerate(rows):
        ax.barh(i, row.range_high - row.range_low, left=row.range_low, color="#dde7f0", height=0.8)
        colour = "#b03030" if row.flag.value else "#1f4e79"
        ax.errorbar(
            row.percent,
            i,
            xerr=[[row.percent - row.ci_low], [row.ci_high - row.percent]],
            fmt="o",
            color=colour,
            markersize=4,
            capsize=2,
        )
    ax.set_yticks(range(len(rows)), [r.label for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("% (dot: value, bar: 95 % CI; shaded: reference range)", fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return _png(fig)


def blast_trend_png(points: Sequence[TrendPoint]) -> bytes:
    """Blast % of each signed examination, oldest first (e.g. during treatment)."""
    ordered = sorted(points, key=lambda p: p.examined_on)
    fig, ax = plt.subplots(figsize=(6.4, 2.4))
    ax.plot(
        [p.examined_on.isoformat() for p in ordered],
        [p.blast_percent for p in ordered],
        marker="o",
        color="#1f4e79",
    )
    ax.set_ylabel("Marrow blasts %", fontsize=7)
    ax.set_ylim(bottom=0)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    return _png(fig)


def turnaround_png(rows: Sequence[tuple[str, float, float, float | None]]) -> bytes:
    """Per test type (label, median, p90, target) in working days: bars for the median,
    a tick for the 90th percentile, a red line for the target."""
    fig, ax = plt.subplots(figsize=(6.4, 0.34 * len(rows) + 1.0))
    for i, (_, median_days, p90_days, target) in enumerate(rows):
        ax.barh(i, median_days, color="#1f4e79", height=0.6)
        ax.plot([p90_days], [i], marker="|", markersize=12, color="#555555")
        if target is not None:
            ax.plot([target, target], [i - 0.4, i + 0.4], color="#b03030")
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("working days (bar: median, tick: 90th percentile, red: target)", fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return _png(fig)


def monthly_rates_png(months: Sequence[str], series: dict[str, Sequence[float | None]]) -> bytes:
    """One line per named series over the months (e.g. amendment and addendum rates)."""
    fig, ax = plt.subplots(figsize=(6.4, 2.4))
    for name, values in series.items():
        ax.plot(months, [float("nan") if v is None else v for v in values], marker="o", label=name)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    return _png(fig)
