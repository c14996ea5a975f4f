"""The diagnosis's inputs that no laboratory result states, entered by a person.

Dysplasia per lineage is the morphologist's judgement; prior therapy and prior MDS are
history; the myeloma work-up (M-protein, light chains, calcium, creatinine, imaging,
beta-2 microglobulin, albumin, LDH, plasma-cell FISH) is done outside the marrow
laboratory. Without them the engines can only say "missing", so they are entered here,
each field as the table ``diagnostic_context.toml`` defines it (unit, accepted range, the
criterion that reads it). Every field has three states: a value, or "not assessed"
(absent), never a default: "no dysplasia" is not assumed from silence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.tables import load_table

__all__ = [
    "ContextField",
    "FieldErrors",
    "context_fields",
    "context_groups",
    "parse_context",
]

_YES = frozenset({"yes", "true", "1", "y"})
_NO = frozenset({"no", "false", "0", "n"})
_UNSET = frozenset({"", "not_assessed", "not assessed", "unknown", "none", "null"})


@dataclass(frozen=True, slots=True)
class ContextField:
    """One enterable input: its key, group, kind, label, unit, range and source."""

    key: str
    group: str
    kind: str  # yes_no, number or count
    label: str
    source: str
    unit: str = ""
    low: float | None = None
    high: float | None = None


class FieldErrors(InvalidInput):
    """Every refused field at once, keyed by field, so a form shows each beside its input."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@cache
def context_fields() -> tuple[ContextField, ...]:
    """The fields in table order."""
    table = load_table("diagnostic_context")
    out = []
    for key, row in table["fields"].items():
        out.append(
            ContextField(
                key=key,
                group=str(row["group"]),
                kind=str(row["kind"]),
                label=str(row["label"]),
                source=str(row["source"]),
                unit=str(row.get("unit", "")),
                low=float(row["min"]) if "min" in row else None,
                high=float(row["max"]) if "max" in row else None,
            )
        )
    return tuple(out)


@cache
def context_groups() -> dict[str, str]:
    """Group key to heading, in table order."""
    return {str(k): str(v) for k, v in load_table("diagnostic_context")["groups"].items()}


def _yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError("answer yes, no or not assessed")


def _number(spec: ContextField, raw: Any) -> float | int:
    if isinstance(raw, bool):
        raise ValueError("a number is needed")
    try:
        value = float(str(raw).strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"a number is needed, got {str(raw)[:20]!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("a finite number is needed")
    if spec.kind == "count" and not value.is_integer():
        raise ValueError("a whole number is needed")
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        unit = f" {spec.unit}" if spec.unit else ""
        raise ValueError(f"{value:g} is outside {spec.low:g}-{spec.high:g}{unit}")
    return int(value) if spec.kind == "count" else value


def parse_context(data: Mapping[str, Any]) -> dict[str, bool | float | int]:
    """The entered values, checked; a field left empty or 'not assessed' is left out.

    An unknown key is refused (a misspelt field would otherwise be lost silently); all
    refused fields are reported together in one ``FieldErrors``.
    """
    specs = {f.key: f for f in context_fields()}
    errors: dict[str, str] = {}
    out: dict[str, bool | float | int] = {}
    for key, raw in data.items():
        spec = specs.get(key)
        if spec is None:
            errors[key] = "not an input of the integrated diagnosis"
            continue
        if raw is None or (not isinstance(raw, bool) and str(raw).strip().lower() in _UNSET):
            continue
        try:
            out[key] = _yes_no(raw) if spec.kind == "yes_no" else _number(spec, raw)
        except ValueError as error:
            errors[key] = f"{spec.label}: {error}"
    if errors:
        raise FieldErrors(errors)
    return out
