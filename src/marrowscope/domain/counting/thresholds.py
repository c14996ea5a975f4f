"""Threshold flags of WHO 2022, ICC 2022, IMWG and others, evaluated from a table.

The rules live in ``tables/thresholds.toml`` (id, system, conditions, wording, sources);
this module only evaluates them. A flag supports, never replaces, the classification:
its wording says "consistent with" or "consider".

Comparisons are exact (fractions), so a rule "blasts >= 5 %" holds at 25 of 500 cells and
not at 24. Each flag also says whether the rule holds across the whole 95 % interval of
its main quantity; a rule that fails at the point estimate but holds somewhere in that
interval is returned as ``near`` (e.g. 18 % blasts of 100 cells, interval 11–27 %).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import cache
from typing import Any

from marrowscope.domain.counting.confidence import IntervalMethod
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.differential import Differential
from marrowscope.domain.counting.quantities import QuantityValue, measure_all, quantity_definitions
from marrowscope.domain.errors import InvalidMeasurement
from marrowscope.domain.tables import load_table

__all__ = [
    "Comparator",
    "Condition",
    "FlagStatus",
    "Findings",
    "ThresholdFlag",
    "ThresholdRule",
    "evaluate_differential",
    "evaluate_thresholds",
    "threshold_rules",
]

_FINDINGS_NUMERIC = frozenset({"ring_sideroblasts"})
_FINDINGS_YES_NO = frozenset({"sf3b1_mutated", "plasma_cells_clonal"})


@dataclass(frozen=True, slots=True)
class Findings:
    """Results that are not part of the cell count but that some thresholds need.

    ``None`` means not known; rules word themselves for that case ("if clonal").
    """

    ring_sideroblasts: float | None = None  # % of erythroid precursors on the Perls stain
    sf3b1_mutated: bool | None = None
    plasma_cells_clonal: bool | None = None

    def __post_init__(self) -> None:
        value = self.ring_sideroblasts
        if value is not None and not 0 <= value <= 100:
            raise InvalidMeasurement(f"ring sideroblasts must lie in 0-100 %, got {value}")

    def value(self, name: str) -> float | bool | None:
        """A finding by its table name."""
        found: float | bool | None = getattr(self, name)
        return found


class Comparator(StrEnum):
    """How a measured value is compared with a rule's number."""

    GE = "ge"
    GT = "gt"
    LE = "le"
    LT = "lt"

    def holds(self, value: Fraction, bound: Fraction) -> bool:
        """``value <op> bound``."""
        if self is Comparator.GE:
            return value >= bound
        if self is Comparator.GT:
            return value > bound
        if self is Comparator.LE:
            return value <= bound
        return value < bound


@dataclass(frozen=True, slots=True)
class Condition:
    """One clause of a rule: a quantity or finding against a number, or a yes/no finding."""

    subject: str
    is_finding: bool
    comparator: Comparator | None = None
    bound: Fraction | None = None
    expected: bool | None = None  # yes/no finding must equal this ...
    negated: bool = False  # ... or, if negated, must not (unknown passes)

    def holds(self, quantities: Mapping[str, Fraction | None], findings: Findings) -> bool:
        """Whether the clause holds; a missing value fails a numeric clause."""
        if self.expected is not None:
            known = findings.value(self.subject)
            return known != self.expected if self.negated else known == self.expected
        if self.is_finding:
            raw = findings.value(self.subject)
            value = None if raw is None or isinstance(raw, bool) else Fraction(str(raw))
        else:
            value = quantities[self.subject]
        if value is None or self.comparator is None or self.bound is None:
            return False
        return self.comparator.holds(value, self.bound)


class FlagStatus(StrEnum):
    """Whether a rule holds at the estimate, or only within its interval."""

    MET = "met"
    NEAR = "near"


@dataclass(frozen=True, slots=True)
class ThresholdRule:
    """One rule of the table."""

    id: str
    system: str
    topic: str
    level: str
    conditions: tuple[Condition, ...]
    wording: str
    source_keys: tuple[str, ...]
    sources: tuple[str, ...]

    @property
    def primary_quantity(self) -> str | None:
        """The first quantity the rule tests: the one whose interval decides "near"."""
        for condition in self.conditions:
            if not condition.is_finding and condition.expected is None:
                return condition.subject
        return None

    def holds(self, quantities: Mapping[str, Fraction | None], findings: Findings) -> bool:
        """All clauses hold."""
        return all(condition.holds(quantities, findings) for condition in self.conditions)


@dataclass(frozen=True, slots=True)
class ThresholdFlag:
    """A rule that a differential meets (or nearly meets), with the values that decided it."""

    rule: ThresholdRule
    status: FlagStatus
    holds_across_interval: bool
    primary: QuantityValue | None

    @property
    def text(self) -> str:
        """One line for a list of flags: system, wording, and the interval caveat."""
        if self.status is FlagStatus.NEAR:
            return f"[{self.rule.system}] within the 95 % interval only: {self.rule.wording}"
        caveat = "" if self.holds_across_interval else " (threshold within the 95 % interval)"
        return f"[{self.rule.system}] {self.rule.wording}{caveat}"


def _condition(spec: Mapping[str, Any], rule_id: str) -> Condition:
    if "finding" in spec:
        subject, is_finding = str(spec["finding"]), True
        known = _FINDINGS_NUMERIC | _FINDINGS_YES_NO
    else:
        subject, is_finding = str(spec["quantity"]), False
        known = frozenset(quantity_definitions())
    if subject not in known:
        raise RuntimeError(f"threshold rule {rule_id}: unknown subject {subject!r}")
    if "is" in spec or "is_not" in spec:
        if subject not in _FINDINGS_YES_NO:
            raise RuntimeError(f"threshold rule {rule_id}: {subject} is not a yes/no finding")
        negated = "is_not" in spec
        expected = bool(spec["is_not" if negated else "is"])
        return Condition(subject, True, expected=expected, negated=negated)
    for comparator in Comparator:
        if comparator.value in spec:
            bound = Fraction(str(spec[comparator.value]))
            return Condition(subject, is_finding, comparator, bound)
    raise RuntimeError(f"threshold rule {rule_id}: condition {dict(spec)} has no comparison")


@cache
def threshold_rules() -> tuple[ThresholdRule, ...]:
    """Every rule of the table, validated (unknown subjects fail loudly at load)."""
    table = load_table("thresholds")
    sources: dict[str, str] = table["sources"]
    rules = []
    for row in table["rules"]:
        rule_id = str(row["id"])
        wording = str(row["wording"])
        if "consistent with" not in wording.lower() and "consider" not in wording.lower():
            raise RuntimeError(f"threshold rule {rule_id}: wording must support, not diagnose")
        keys = tuple(str(key) for key in row["sources"])
        rules.append(
            ThresholdRule(
                id=rule_id,
                system=str(row["system"]),
                topic=str(row["topic"]),
                level=str(row["level"]),
                conditions=tuple(_condition(spec, rule_id) for spec in row["when"]),
                wording=wording,
                source_keys=keys,
                sources=tuple(sources[key] for key in keys),
            )
        )
    if len({rule.id for rule in rules}) != len(rules):
        raise RuntimeError("threshold rule ids must be unique")
    return tuple(rules)


def evaluate_thresholds(
    counts: CellCounts,
    findings: Findings | None = None,
    level: float = 0.95,
    method: IntervalMethod = IntervalMethod.WILSON,
) -> tuple[ThresholdFlag, ...]:
    """Flags of every rule that the count meets, then of those it nearly meets."""
    findings = Findings() if findings is None else findings
    measured = measure_all(counts, level, method)
    point = {name: value.exact_percent for name, value in measured.items()}
    ends: dict[str, tuple[Fraction, Fraction]] = {}  # each interval's ends, made exact once
    met: list[ThresholdFlag] = []
    near: list[ThresholdFlag] = []
    for rule in threshold_rules():
        name = rule.primary_quantity
        primary = measured[name] if name else None
        at_ends = _holds_at_interval_ends(rule, point, primary, findings, ends)
        if rule.holds(point, findings):
            met.append(ThresholdFlag(rule, FlagStatus.MET, all(at_ends), primary))
        elif any(at_ends) and primary is not None and primary.cells > 0:
            near.append(ThresholdFlag(rule, FlagStatus.NEAR, False, primary))
    return tuple(met + near)


class _Moved(Mapping[str, Fraction | None]):
    """``point`` with one quantity moved to another value, without copying the rest."""

    __slots__ = ("_name", "_point", "_value")

    def __init__(self, point: Mapping[str, Fraction | None], name: str, value: Fraction) -> None:
        self._point, self._name, self._value = point, name, value

    def __getitem__(self, key: str) -> Fraction | None:
        return self._value if key == self._name else self._point[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._point)

    def __len__(self) -> int:
        return len(self._point)


def _holds_at_interval_ends(
    rule: ThresholdRule,
    point: Mapping[str, Fraction | None],
    primary: QuantityValue | None,
    findings: Findings,
    ends: dict[str, tuple[Fraction, Fraction]] | None = None,
) -> tuple[bool, ...]:
    """The rule re-evaluated with its primary quantity at each end of its interval."""
    if primary is None or primary.interval_percent is None:
        return (rule.holds(point, findings),)
    ends = {} if ends is None else ends
    if primary.name not in ends:
        interval = primary.interval_percent
        ends[primary.name] = (Fraction(interval.low), Fraction(interval.high))
    return tuple(
        rule.holds(_Moved(point, primary.name, end), findings) for end in ends[primary.name]
    )


def evaluate_differential(
    differential: Differential, findings: Findings | None = None
) -> tuple[ThresholdFlag, ...]:
    """Flags of a computed differential, at its own confidence level and interval method."""
    return evaluate_thresholds(
        differential.counts, findings, differential.level, differential.method
    )
