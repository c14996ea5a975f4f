"""Screens people can read: the template filters for labels, units and local
times, and the blood count as a table with its reference intervals and critical values.

``install`` puts the filters on the Jinja environment once, in ``create_app``:
``{{ key|label }}``, ``{{ key|unit }}``, ``{{ value|measure(key) }}``, ``{{ n|number }}``
and ``{{ iso_text_or_datetime|when }}`` (local time in the lab's zone); the globals
``lab_zone`` and ``time_input_type(text)`` serve the ``time`` field macro.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from jinja2 import Environment

from marrowscope.domain.display_names import (
    label_of,
    measure_text,
    number_text,
    unit_of,
    unit_text,
)
from marrowscope.domain.pathway.cbc import CbcFlag, Direction
from marrowscope.domain.pathway.critical_values import critical_value
from marrowscope.web.alert_banner import local_words
from marrowscope.web.forms import is_ambiguous

__all__ = ["CbcRow", "cbc_rows", "install", "when_text"]


@dataclass(frozen=True, slots=True)
class CbcRow:
    """One analyte of a blood count, ready for a table row."""

    key: str
    name: str
    value: str
    unit: str
    reference: str
    status: str  # words: "", "Low", "High", "Critical: below 0.5 ×10⁹/L"
    css: str  # "", "abnormal", "critical"


def cbc_rows(flags: Sequence[CbcFlag]) -> list[CbcRow]:
    """Every measured analyte with its interval; critical values named as such.

    Normal values carry no status and no highlight, so the abnormal ones stand out.
    """
    rows = []
    for f in flags:
        unit = unit_of(f.analyte)
        status, css = "", ""
        if f.direction is not Direction.NORMAL:
            status, css = ("Low" if f.direction is Direction.LOW else "High"), "abnormal"
        critical = critical_value(f.analyte, f.value)
        if critical is not None:
            status = f"Critical: {critical.side} {number_text(critical.limit)} {unit}".strip()
            css = "critical"
        rows.append(
            CbcRow(
                key=f.analyte,
                name=label_of(f.analyte),
                value=number_text(f.value),
                unit=unit,
                reference=f"{number_text(f.low)}–{number_text(f.high)}",
                status=status,
                css=css,
            )
        )
    return rows


def when_text(value: datetime | str | None, zone: str) -> str:
    """A stored time (datetime or ISO text) in the lab's zone, in words."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local_words(moment, zone)


def install(env: Environment, zone: str) -> None:
    """Register the filters on ``env``."""
    env.filters["label"] = label_of
    env.filters["unit"] = unit_of
    env.filters["unit_words"] = unit_text
    env.filters["measure"] = measure_text
    env.filters["number"] = number_text
    env.filters["when"] = partial(when_text, zone=zone)
    # time fields: the zone they are typed in, named on each, and a text field where the
    # offset must be typed (a wall-clock time that happens twice, see ``web.forms``)
    env.globals["lab_zone"] = zone
    env.globals["time_input_type"] = lambda text: (
        "text" if is_ambiguous(text, zone) else "datetime-local"
    )
    env.globals["cbc_rows"] = cbc_rows
