"""Reading and writing a measurable-residual-disease result (``MrdResult``).

A level above zero is "detected"; "not detected" with a level above zero, or "detected"
at zero, contradicts itself and is refused rather than stored for a reader to puzzle
over. The sensitivity is a fraction between one cell in ten million and one in ten
(flow reaches about 1e-4 to 1e-5, NPM1 qPCR about 1e-5 to 1e-6; Heuser N et al.
Blood 2021;138:2753, doi:10.1182/blood.2021013626); anything outside is a typing error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.lab.result_types import MrdMethod, MrdResult

__all__ = ["mrd_to_dict", "parse_mrd"]

_YES = {"true", "yes", "detected", "positive", "1"}
_NO = {"false", "no", "not detected", "negative", "0"}


def _number(value: Any, key: str, low: float, high: float) -> float:
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(f"{key}: {value!r} is not a number") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInput(f"{key}: {number:g} is outside {low:g}-{high:g}")
    return number


def _detected(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _YES or word in _NO:
        return word in _YES
    raise InvalidInput("detected: say detected or not detected")


def parse_mrd(data: Mapping[str, Any]) -> MrdResult:
    """The MRD result of a plain mapping (form, file or database)."""
    try:
        method = MrdMethod(str(data.get("method", "")).strip())
    except ValueError:
        raise InvalidInput(f"method: one of {', '.join(m.value for m in MrdMethod)}") from None
    if data.get("sensitivity") in (None, ""):
        raise InvalidInput("sensitivity: required (e.g. 1e-4 for one cell in 10,000)")
    sensitivity = _number(data["sensitivity"], "sensitivity", 1e-7, 0.1)
    detected = _detected(data.get("detected", ""))
    level = data.get("level_percent")
    level_percent = None if level in (None, "") else _number(level, "level_percent", 0, 100)
    if level_percent is not None and (level_percent > 0) is not detected:
        raise InvalidInput(
            "level_percent: a level above 0 is detected MRD, a level of 0 is not detected"
        )
    cells = data.get("cells_analysed")
    cells_analysed = None if cells in (None, "") else int(_number(cells, "cells_analysed", 1, 1e8))
    return MrdResult(
        method,
        str(data.get("target", "")).strip(),
        detected,
        sensitivity,
        level_percent,
        cells_analysed,
        str(data.get("interpretation", "")).strip(),
    )


def mrd_to_dict(result: MrdResult) -> dict[str, Any]:
    """The mapping ``parse_mrd`` reads back (stored as JSON)."""
    return {
        "method": result.method.value,
        "target": result.target,
        "detected": result.detected,
        "sensitivity": result.sensitivity,
        "level_percent": result.level_percent,
        "cells_analysed": result.cells_analysed,
        "interpretation": result.interpretation,
    }
