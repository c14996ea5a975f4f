"""Everything said about one count: differential, reference flags, thresholds, comparison.

The CLI, the web app and the report all show the same bundle; ``assessment_to_dict`` is
its one machine-readable form (``marrowscope differential --json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marrowscope.domain.counting.comparison import Comparison, compare_differentials
from marrowscope.domain.counting.confidence import Interval, IntervalMethod
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.differential import Differential, compute_differential
from marrowscope.domain.counting.me_ratio import MEDefinition
from marrowscope.domain.counting.quantities import (
    Denominator,
    QuantityValue,
    measure,
    quantity_definitions,
)
from marrowscope.domain.counting.reference_ranges import (
    ME_RATIO,
    RangeFlag,
    ReferenceRange,
    reference_range,
    reference_ranges,
)
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.counting.thresholds import Findings, ThresholdFlag, evaluate_differential

__all__ = ["Assessment", "QuantityReading", "assess", "assessment_to_dict"]


@dataclass(frozen=True, slots=True)
class QuantityReading:
    """A measured quantity against its reference range."""

    value: QuantityValue
    range: ReferenceRange
    flag: RangeFlag


@dataclass(frozen=True, slots=True)
class Assessment:
    """A differential with everything marrowscope says about it."""

    differential: Differential
    readings: tuple[QuantityReading, ...]
    me_range: ReferenceRange | None
    me_flag: RangeFlag
    flags: tuple[ThresholdFlag, ...]
    findings: Findings
    comparison: Comparison | None
    slides: int

    def reading(self, name: str) -> QuantityReading | None:
        """The reading of a named quantity, if it has a reference range."""
        for reading in self.readings:
            if reading.value.name == name:
                return reading
        return None

    def series_readings(self) -> tuple[QuantityReading, ...]:
        """Readings of groups of classes (those of single classes belong to class rows)."""
        return tuple(
            reading
            for reading in self.readings
            if len(quantity_definitions()[reading.value.name].codes) > 1
        )

    def class_reading(self, code: CellClass) -> QuantityReading | None:
        """The reading whose quantity is exactly this one class, if any."""
        for reading in self.readings:
            definition = quantity_definitions()[reading.value.name]
            if definition.codes == (code,) and definition.denominator is Denominator.NUCLEATED:
                return reading
        return None


def assess(
    counts: CellCounts,
    *,
    me_definition: MEDefinition | None = None,
    level: float | None = None,
    method: IntervalMethod | None = None,
    findings: Findings | None = None,
    previous: CellCounts | None = None,
    slides: int = 1,
) -> Assessment:
    """Differential, reference flags, threshold flags and (optionally) the comparison."""
    findings = Findings() if findings is None else findings
    differential = compute_differential(
        counts, me_definition=me_definition, level=level, method=method
    )
    readings = []
    for name, row in reference_ranges().items():
        if name == ME_RATIO:
            continue
        value = measure(
            counts, quantity_definitions()[name], differential.level, differential.method
        )
        flag = RangeFlag.NORMAL if value.percent is None else row.flag(value.percent)
        readings.append(QuantityReading(value, row, flag))
    me_range = reference_range(ME_RATIO)
    me_flag = (
        RangeFlag.NORMAL
        if me_range is None or differential.me.ratio is None
        else me_range.flag(differential.me.ratio)
    )
    comparison = None
    if previous is not None:
        before = compute_differential(
            previous,
            me_definition=differential.me.definition,
            level=differential.level,
            method=differential.method,
        )
        comparison = compare_differentials(differential, before)
    return Assessment(
        differential=differential,
        readings=tuple(readings),
        me_range=me_range,
        me_flag=me_flag,
        flags=evaluate_differential(differential, findings),
        findings=findings,
        comparison=comparison,
        slides=slides,
    )


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _interval(interval: Interval | None) -> list[float] | None:
    return None if interval is None else [round(interval.low, 3), round(interval.high, 3)]


def _range(row: ReferenceRange | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"low": row.low, "high": row.high, "source": row.source, "note": row.note}


def assessment_to_dict(assessment: Assessment) -> dict[str, Any]:
    """Every figure of an assessment as JSON-ready data (percent rounded to 0.001)."""
    diff = assessment.differential
    me = diff.me
    nec = diff.blasts_non_erythroid
    result: dict[str, Any] = {
        "slides": assessment.slides,
        "nucleated_cells": diff.nucleated_cells,
        "excluded_cells": diff.excluded_cells,
        "confidence_level": diff.level,
        "interval_method": diff.method.value,
        "classes": [
            {
                "code": row.code.value,
                "name": row.name,
                "count": row.count,
                "percent": _r(row.percent),
                "interval_percent": _interval(row.interval_percent),
                "reference_range": _range(r.range)
                if (r := assessment.class_reading(row.code))
                else None,
                "flag": r.flag.value if r else "",
            }
            for row in diff.rows
        ],
        "excluded": {
            code.value: n for code, n in diff.counts if code not in {r.code for r in diff.rows}
        },
        "series": [
            {
                "name": reading.value.name,
                "label": reading.value.label,
                "cells": reading.value.cells,
                "percent": _r(reading.value.percent),
                "interval_percent": _interval(reading.value.interval_percent),
                "reference_range": _range(reading.range),
                "flag": reading.flag.value,
            }
            for reading in assessment.readings
        ],
        "me_ratio": {
            "definition": {
                "include_blasts": me.definition.include_blasts,
                "include_monocytes": me.definition.include_monocytes,
                "text": me.definition.describe(),
            },
            "myeloid_cells": me.myeloid_cells,
            "erythroid_cells": me.erythroid_cells,
            "ratio": _r(me.ratio),
            "interval": None if me.ratio is None else [_r(me.ratio_low), _r(me.ratio_high)],
            "reference_range": _range(assessment.me_range),
            "flag": assessment.me_flag.value,
        },
        "blasts_non_erythroid": {
            "cells": nec.cells,
            "non_erythroid_cells": nec.denominator_cells,
            "percent": _r(nec.percent),
            "interval_percent": _interval(nec.interval_percent),
            "note": "for information only: WHO 2016 onwards counts blasts of all nucleated cells",
        },
        "adequacy": {
            "adequate": diff.adequacy.adequate,
            "minimum_cells": diff.adequacy.adequate_cells,
            "warning": diff.adequacy.warning,
            "source": diff.adequacy.source,
        },
        "findings": {
            "ring_sideroblasts": assessment.findings.ring_sideroblasts,
            "sf3b1_mutated": assessment.findings.sf3b1_mutated,
            "plasma_cells_clonal": assessment.findings.plasma_cells_clonal,
        },
        "flags": [
            {
                "id": flag.rule.id,
                "system": flag.rule.system,
                "topic": flag.rule.topic,
                "level": flag.rule.level,
                "status": flag.status.value,
                "holds_across_interval": flag.holds_across_interval,
                "quantity": None if flag.primary is None else flag.primary.name,
                "percent": None if flag.primary is None else _r(flag.primary.percent),
                "interval_percent": None
                if flag.primary is None
                else _interval(flag.primary.interval_percent),
                "wording": flag.rule.wording,
                "sources": list(flag.rule.sources),
            }
            for flag in assessment.flags
        ],
        "comparison": None,
    }
    if assessment.comparison is not None:
        comparison = assessment.comparison
        result["comparison"] = {
            "previous_nucleated_cells": comparison.previous_nucleated_cells,
            "me_ratio_previous": _r(comparison.me_ratio_previous),
            "me_ratio_current": _r(comparison.me_ratio_current),
            "changes": [
                {
                    "code": change.code.value,
                    "previous_percent": _r(change.previous_percent),
                    "current_percent": _r(change.current_percent),
                    "delta_points": _r(change.delta_points),
                    "intervals_overlap": change.intervals_overlap,
                    "delta_interval_points": _interval(change.delta_interval_points),
                    "beyond_counting_noise": change.beyond_counting_noise,
                }
                for change in comparison.changes
            ],
        }
    return result
