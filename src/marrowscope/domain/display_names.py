"""One lookup from stored keys and enum values to the words and units people read.

Screens showed ``hb 92.0`` with an empty unit column, ``posterior_iliac_crest``,
``in_process`` and ``blasts_percent``. The names already live in the medical
tables (CBC analytes, cell classes, indications, symptoms); this module reads them, adds
the few words of ``tables/display_names.toml``, and otherwise turns the key itself into
words. Templates reach it through the ``label``, ``unit`` and ``measure`` filters.
"""

from __future__ import annotations

from enum import Enum
from functools import cache

from marrowscope.domain.tables import load_table

__all__ = ["label_of", "measure_text", "number_text", "unit_of", "unit_text"]


@cache
def _labels() -> dict[str, str]:
    found: dict[str, str] = {}
    for code, row in load_table("taxonomy")["classes"].items():
        found[code] = str(row["name"])
    for key, row in load_table("aftercare")["symptoms"].items():
        found[key] = str(row["label"])
    for key, row in load_table("indications")["indications"].items():
        found[key] = str(row["label"])
    for key, row in load_table("cbc_reference")["analytes"].items():
        found[key] = str(row["name"])
    found.update(load_table("display_names")["words"])
    return found


def _key(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def label_of(value: object) -> str:
    """The words for a stored key or enum value: "hb" -> "Haemoglobin",
    "posterior_iliac_crest" -> "Posterior iliac crest", "in_process" -> "In process"."""
    key = _key(value)
    known = _labels().get(key)
    if known is not None:
        return known
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def unit_text(unit: str) -> str:
    """A unit as printed: "x10^9/L" -> "×10⁹/L"; others unchanged."""
    units: dict[str, str] = load_table("display_names")["units"]
    return units.get(unit.strip(), unit.strip())


def unit_of(value: object) -> str:
    """The unit a stored key is kept in ("hb" -> "g/L", "blasts_percent" -> "%"), or ""."""
    key = _key(value)
    analytes = load_table("cbc_reference")["analytes"]
    if key in analytes:
        return unit_text(str(analytes[key]["unit"]))
    known: dict[str, str] = load_table("display_names")["key_units"]
    if key in known:
        return known[key]
    return "%" if key.endswith(("_percent", "_pct")) else ""


def number_text(value: float | int | None) -> str:
    """A number without float noise: 92.0 -> "92", 0.45 -> "0.45", 1234.5 -> "1234.5"."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{round(float(value), 3):g}" if abs(float(value)) < 1e6 else f"{value:.0f}"


def measure_text(value: float | int | None, key: object) -> str:
    """Value and unit of a stored key: (92.0, "hb") -> "92 g/L"."""
    unit = unit_of(key)
    number = number_text(value)
    return number if not unit or value is None else f"{number} {unit}"
