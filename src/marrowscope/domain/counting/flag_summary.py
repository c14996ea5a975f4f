"""Threshold flags as people read them: one line per family, not one box per rule.

``evaluate_thresholds`` returns every rule met or nearly met. At 20.7 % blasts of a
modest count that is eight rules (WHO and ICC each at 20 %, and the 5-9 % and 10-19 %
ranges that the interval still reaches), shown as eight stacked boxes that say nearly
the same thing. Here the rules of one family (``topic``: blasts, plasma
cells...) become one line: the value with its interval, what is met, which other ranges
the interval still reaches, and how many more cells would settle it.

A single cell of a class in a small count is no basis for a suggestion: one blast among
15 cells is 6.7 %, "consistent with MDS-IB1; consider testing for AML-defining genetic
abnormalities". Such a family says only that too few cells were counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from marrowscope.domain.counting.confidence import IntervalMethod
from marrowscope.domain.counting.quantities import QuantityValue
from marrowscope.domain.counting.settling import cells_to_settle
from marrowscope.domain.counting.thresholds import FlagStatus, ThresholdFlag
from marrowscope.domain.tables import load_table

__all__ = ["FlagLine", "consolidate", "settling_threshold"]


@dataclass(frozen=True, slots=True)
class FlagLine:
    """One family of threshold rules, summed up in one line of text."""

    topic: str
    urgent: bool
    text: str
    cells_to_settle: int | None = None
    threshold_percent: float | None = None


def _pct(value: float) -> str:
    return f"{value:.1f}"


def _systems(flags: Iterable[ThresholdFlag]) -> str:
    return ", ".join(dict.fromkeys(f.rule.system for f in flags))


def _grouped(flags: Sequence[ThresholdFlag], *, short: bool) -> list[str]:
    """Wordings (or their ranges, before the colon) once each, with the systems that use them."""
    by_text: dict[str, list[ThresholdFlag]] = {}
    for flag in flags:
        text = flag.rule.wording.split(":")[0] if short else flag.rule.wording.rstrip(".")
        by_text.setdefault(text, []).append(flag)
    return [f"{text} ({_systems(group)})" for text, group in by_text.items()]


def settling_threshold(flags: Sequence[ThresholdFlag], primary: QuantityValue) -> float | None:
    """The threshold of the family's quantity inside its interval, nearest the estimate."""
    interval = primary.interval_percent
    if interval is None or primary.percent is None:
        return None
    bounds = {
        float(c.bound)
        for f in flags
        for c in f.rule.conditions
        if c.subject == primary.name and not c.is_finding and c.bound is not None
    }
    inside = [b for b in bounds if interval.low <= b <= interval.high]
    if not inside:
        return None
    estimate = primary.percent
    return min(inside, key=lambda b: abs(b - estimate))


def _line(
    topic: str, flags: Sequence[ThresholdFlag], level: float, method: IntervalMethod
) -> FlagLine:
    urgent = any(f.rule.level == "urgent" for f in flags)
    met = [f for f in flags if f.status is FlagStatus.MET]
    near = [f for f in flags if f.status is FlagStatus.NEAR]
    primary = next((f.primary for f in flags if f.primary is not None), None)
    if primary is None or primary.percent is None or primary.interval_percent is None:
        return FlagLine(topic, urgent, " ".join(w + "." for w in _grouped(met, short=False)))
    interval = primary.interval_percent
    head = (
        f"{primary.label} {_pct(primary.percent)} % (95 % interval {_pct(interval.low)}–"
        f"{_pct(interval.high)} %; {primary.cells} of {primary.denominator_cells} cells)."
    )
    adequate = int(load_table("differential")["differential"]["adequate_cells"])
    if primary.cells <= 1 and primary.denominator_cells < adequate:
        return FlagLine(
            topic,
            False,
            f"{head} A single cell in a count of {primary.denominator_cells}: too few to "
            "compare with the classification thresholds; count more cells before "
            "drawing on it.",
        )
    parts = [head]
    parts += [w + "." for w in _grouped(met, short=False)]
    if near:
        ranges = "; ".join(_grouped(near, short=True))
        parts.append(f"The interval also reaches: {ranges}.")
    threshold = settling_threshold(flags, primary)
    more = None
    if threshold is not None:
        more = cells_to_settle(
            primary.cells, primary.denominator_cells, Fraction(str(threshold)), level, method
        )
        name = primary.label[:1].lower() + primary.label[1:]
        if more:
            parts.append(
                f"About {more:,} more cells, at the proportions seen so far, would settle "
                f"whether {name} lie above or below {threshold:g} %."
            )
        elif more is None:
            parts.append(f"The estimate lies on {threshold:g} %: more cells will not settle it.")
    return FlagLine(topic, urgent, " ".join(parts), more, threshold)


def consolidate(
    flags: Sequence[ThresholdFlag],
    level: float = 0.95,
    method: IntervalMethod = IntervalMethod.WILSON,
) -> tuple[FlagLine, ...]:
    """One line per family of rules, urgent families first, then in table order."""
    families: dict[str, list[ThresholdFlag]] = {}
    for flag in flags:
        families.setdefault(flag.rule.topic, []).append(flag)
    lines = [_line(topic, group, level, method) for topic, group in families.items()]
    return tuple(sorted(lines, key=lambda line: not line.urgent))
