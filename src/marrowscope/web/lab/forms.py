"""The laboratory's result forms: one set of named fields per test type, read into the
mapping ``domain.lab.parse_result`` takes, with errors keyed by the field.

Before these forms a result was typed as JSON in a textarea; one typo and the text was
lost on an error page. Now each value has its own field, a refusal names the field it
belongs to, and the page comes back with what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marrowscope.domain.lab import VARIANT_CLASSES, TestType

__all__ = [
    "FISH_ROWS",
    "VARIANT_CLASSES",
    "VARIANT_ROWS",
    "field_of",
    "form_values",
    "read_result_form",
]

FISH_ROWS = 4  # probe rows offered (blank rows are ignored)
VARIANT_ROWS = 5
_FISH_FIELDS = ("probe", "nuclei_scored", "abnormal_nuclei", "cutoff_percent")
_VARIANT_FIELDS = ("gene", "hgvs_c", "hgvs_p", "transcript", "vaf_percent", "classification")
_ROW_ERROR = re.compile(r"^(probes|variants)\[(\d+)\]\.(\w+):\s*(.*)$", re.S)
_FIELD_ERROR = re.compile(r"^(?:values\.)?(\w+):\s*(.*)$", re.S)


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name, "") or "").strip()


def _number(
    form: Mapping[str, Any], name: str, errors: dict[str, str], *, whole: bool
) -> float | int | None:
    text = _text(form, name).replace(",", ".")
    if not text:
        return None
    try:
        return int(text) if whole else float(text)
    except ValueError:
        errors[name] = f"{text!r} is not a {'whole number' if whole else 'number'}"
        return None


def _fish(form: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    probes = []
    for i in range(FISH_ROWS):
        if not any(_text(form, f"{f}-{i}") for f in _FISH_FIELDS):
            continue
        probes.append(
            {
                "probe": _text(form, f"probe-{i}"),
                "nuclei_scored": _number(form, f"nuclei_scored-{i}", errors, whole=True),
                "abnormal_nuclei": _number(form, f"abnormal_nuclei-{i}", errors, whole=True),
                "cutoff_percent": _number(form, f"cutoff_percent-{i}", errors, whole=False),
            }
        )
    return {"probes": probes, "interpretation": _text(form, "interpretation")}


def _molecular(form: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    variants = []
    for i in range(VARIANT_ROWS):
        if not any(_text(form, f"{f}-{i}") for f in _VARIANT_FIELDS):
            continue
        row: dict[str, Any] = {f: _text(form, f"{f}-{i}") for f in _VARIANT_FIELDS}
        row["vaf_percent"] = _number(form, f"vaf_percent-{i}", errors, whole=False)
        variants.append(row)
    return {
        "panel": _text(form, "panel"),
        "variants": variants,
        "interpretation": _text(form, "interpretation"),
    }


def _values(form: Mapping[str, Any], errors: dict[str, str]) -> dict[str, float]:
    """Lines 'name = number' of a narrative result's measured values."""
    out: dict[str, float] = {}
    for line in _text(form, "values").splitlines():
        if not line.strip():
            continue
        name, sep, number = line.partition("=")
        key = re.sub(r"\W+", "_", name.strip().lower()).strip("_")
        try:
            if not sep or not key:
                raise ValueError
            out[key] = float(number.strip().replace(",", "."))
        except ValueError:
            errors["values"] = f"{line.strip()!r}: write one 'name = number' per line"
    return out


def read_result_form(
    test_type: TestType, form: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The result mapping and the errors found while reading numbers (field -> message)."""
    errors: dict[str, str] = {}
    if test_type is TestType.KARYOTYPE:
        data: dict[str, Any] = {
            "iscn": _text(form, "iscn"),
            "metaphases_analysed": _number(form, "metaphases_analysed", errors, whole=True),
            "abnormal_metaphases": _number(form, "abnormal_metaphases", errors, whole=True),
            "interpretation": _text(form, "interpretation"),
        }
    elif test_type is TestType.FISH:
        data = _fish(form, errors)
    elif test_type is TestType.MOLECULAR_PANEL:
        data = _molecular(form, errors)
    elif test_type is TestType.CULTURE:
        data = {
            "organism": _text(form, "organism") or None,
            "incubation_days": _number(form, "incubation_days", errors, whole=True),
            "susceptibility": _text(form, "susceptibility"),
        }
    elif test_type is TestType.MRD:  # checked by domain.lab.mrd, which names the field
        data = {
            key: _text(form, key)
            for key in ("method", "target", "detected", "level_percent", "sensitivity",
                        "cells_analysed", "interpretation")
        }  # fmt: skip
    else:
        data = {"text": _text(form, "text"), "values": _values(form, errors)}
    return data, errors


def field_of(message: str) -> tuple[str, str]:
    """(form field, message without its prefix) of a domain refusal, e.g.
    ``probes[1].abnormal_nuclei: more than nuclei scored`` -> ``abnormal_nuclei-1``."""
    row = _ROW_ERROR.match(message)
    if row is not None:
        _, index, name, rest = row.groups()
        return f"{name}-{index}", rest
    plain = _FIELD_ERROR.match(message)
    if plain is not None:
        name, rest = plain.groups()
        return ("iscn" if name == "karyotype" else name), rest
    return "form", message


def form_values(test_type: TestType, payload: Mapping[str, Any]) -> dict[str, str]:
    """A stored result as the form's field values (to correct it)."""
    out: dict[str, str] = {}

    def put(name: str, value: Any) -> None:
        out[name] = (
            "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
        )

    for key in ("iscn", "metaphases_analysed", "abnormal_metaphases", "interpretation", "panel"):
        put(key, payload.get(key))
    for key in ("organism", "incubation_days", "susceptibility", "text"):
        put(key, payload.get(key))
    for i, probe in enumerate(payload.get("probes") or []):
        for f in _FISH_FIELDS:
            put(f"{f}-{i}", probe.get(f))
    for i, variant in enumerate(payload.get("variants") or []):
        for f in _VARIANT_FIELDS:
            put(f"{f}-{i}", variant.get(f))
    values = payload.get("values") or {}
    if isinstance(values, Mapping):
        out["values"] = "\n".join(
            f"{k} = {v:g}" for k, v in values.items() if isinstance(v, int | float)
        )
    return out
