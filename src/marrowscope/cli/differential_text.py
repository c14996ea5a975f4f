"""Plain-text rendering of an assessment for the terminal (``differential``, ``count``, ``demo``).

Plain text rather than a rich table so that output pipes, diffs and greps cleanly.
"""

from __future__ import annotations

import textwrap

from marrowscope.domain.counting.assessment import Assessment
from marrowscope.domain.counting.confidence import Interval, IntervalMethod
from marrowscope.domain.counting.thresholds import FlagStatus

__all__ = ["render_assessment"]

_METHOD_NAMES = {IntervalMethod.WILSON: "Wilson", IntervalMethod.CLOPPER_PEARSON: "exact"}


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _ci(interval: Interval | None) -> str:
    return "n/a" if interval is None else f"{interval.low:.1f}–{interval.high:.1f}"


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text, width=96, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def render_assessment(assessment: Assessment) -> str:
    """The whole report as lines of text."""
    diff = assessment.differential
    level = f"{diff.level * 100:g} %"
    method = _METHOD_NAMES[diff.method]
    slides = f"{assessment.slides} slide{'s' if assessment.slides != 1 else ''}"
    lines = [
        f"Bone marrow differential: {diff.nucleated_cells} nucleated cells ({slides}); "
        f"{diff.excluded_cells} tallied outside the differential",
        "",
        f"{'Code':<5} {'Class':<34} {'Count':>5} {'%':>6}  {level + ' CI (' + method + ')':<22}"
        f"{'Reference':<11} Flag",
    ]
    for row in diff.counted_rows():
        reading = assessment.class_reading(row.code)
        ref = reading.range.describe() if reading else ""
        flag = reading.flag.value if reading else ""
        lines.append(
            f"{row.code.value:<5} {row.name[:34]:<34} {row.count:>5} {row.percent:>6.1f}  "
            f"{_ci(row.interval_percent):<22}{ref:<11} {flag}".rstrip()
        )
    excluded = [(c, n) for c, n in diff.counts if c not in {r.code for r in diff.rows}]
    if excluded:
        lines.append("Not in the differential: " + ", ".join(f"{c.value} {n}" for c, n in excluded))
    lines += ["", "Series"]
    for reading in assessment.series_readings():
        value = reading.value
        if value.cells == 0 and reading.flag.value == "":
            continue
        lines.append(
            f"  {value.label[:48]:<48} {_pct(value.percent):>6}  {_ci(value.interval_percent):<22}"
            f"{reading.range.describe():<11} {reading.flag.value}".rstrip()
        )
    me = diff.me
    me_ref = f"; reference {assessment.me_range.describe()}" if assessment.me_range else ""
    if me.ratio is None:
        lines += ["", "M:E ratio: not calculable (no erythroid precursor counted)"]
    else:
        high = "∞" if me.ratio_high is None else f"{me.ratio_high:.2f}"
        lines += [
            "",
            f"M:E ratio: {me.ratio:.2f} ({level} CI {me.ratio_low:.2f}–{high}){me_ref} "
            f"{assessment.me_flag.value}".rstrip(),
            f"  definition: {me.definition.describe()}",
        ]
    nec = diff.blasts_non_erythroid
    lines.append(
        f"Blasts, % of non-erythroid cells: {_pct(nec.percent)} % ({_ci(nec.interval_percent)}); "
        "for information only (WHO 2016 onwards counts blasts of all nucleated cells)"
    )
    if diff.adequacy.warning:
        lines.append(f"Adequacy: WARNING {diff.adequacy.warning}")
    else:
        lines.append(
            f"Adequacy: adequate (at least {diff.adequacy.adequate_cells} cells, ICSH 2008)"
        )
    lines += ["", "Threshold flags (support, not diagnosis)"]
    if not assessment.flags:
        lines.append("  none")
    for threshold in assessment.flags:
        rule = threshold.rule
        mark = "!!" if rule.level == "urgent" else "* "
        head = f"[{rule.system}] {rule.id}"
        if threshold.status is FlagStatus.NEAR:
            mark = "~ "
            head += ": threshold reached only within the 95 % interval"
        elif not threshold.holds_across_interval:
            head += ": threshold lies within the 95 % interval"
        lines.append(f"  {mark}{head}")
        lines += _wrap(rule.wording, "      ")
        lines += _wrap("Source: " + "; ".join(rule.sources), "      ")
    if assessment.comparison is not None:
        comparison = assessment.comparison
        lines += [
            "",
            f"Change since the previous differential ({comparison.previous_nucleated_cells} cells)",
            f"  {'Code':<5} {'before':>7} {'now':>7} {'Δ points':>9}  {'Δ 95 % CI':<16} note",
        ]
        for change in comparison.changes:
            if change.beyond_counting_noise:
                note = "beyond counting noise"
            else:
                note = "within counting noise"
            lines.append(
                f"  {change.code.value:<5} {change.previous_percent:>7.1f} "
                f"{change.current_percent:>7.1f} {change.delta_points:>+9.1f}  "
                f"{_ci(change.delta_interval_points):<16} {note}"
            )
    lines += [
        "",
        "Reference ranges: adult, "
        + "; ".join(sorted({r.range.source_key for r in assessment.readings}))
        + " (verify locally before clinical use).",
    ]
    return "\n".join(lines)
