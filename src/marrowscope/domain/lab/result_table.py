"""A laboratory result as a table people read: one shape per test type, any payload.

Every screen and document that shows a result (lab worklist, pathologist's view, report
HTML and PDF) draws this one value, so they cannot disagree. Reading is tolerant on
purpose: results stored before the structured forms existed (free JSON) must still
show, as labelled rows, instead of raw JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marrowscope.domain.lab.specimen import TestType

__all__ = ["ResultTable", "fish_call", "humanise", "result_table", "test_label"]

_TEST_LABELS: Mapping[TestType, str] = {
    TestType.SMEAR_MORPHOLOGY: "Smear morphology",
    TestType.IRON_STAIN: "Iron stain",
    TestType.FLOW_CYTOMETRY: "Flow cytometry",
    TestType.KARYOTYPE: "Karyotype (conventional cytogenetics)",
    TestType.FISH: "FISH",
    TestType.MOLECULAR_PANEL: "Molecular panel",
    TestType.CULTURE: "Marrow culture",
    TestType.TREPHINE_HISTOLOGY: "Trephine histology",
    TestType.IMMUNOHISTOCHEMISTRY: "Immunohistochemistry",
    TestType.MRD: "Measurable residual disease (MRD)",
}
_WORDS = {"percent": "%", "vaf": "VAF", "hgvs": "HGVS", "cd34": "CD34", "me": "M:E"}


@dataclass(frozen=True, slots=True)
class ResultTable:
    """Column headings, rows of text, and sentences shown under the table."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()


def test_label(test_type: TestType) -> str:
    """The test's name in words."""
    return _TEST_LABELS[test_type]


def humanise(key: str) -> str:
    """``blast_percent`` -> ``Blast %``: a stored key as a label."""
    words = [_WORDS.get(w.lower(), w) for w in str(key).replace("-", "_").split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def fish_call(scored: Any, abnormal: Any, cutoff: Any) -> tuple[str, str]:
    """(% abnormal, call) of one probe; '—' where the numbers do not allow it."""
    n, k, c = _number(scored), _number(abnormal), _number(cutoff)
    if n is None or k is None or n <= 0:
        return "—", "—"
    percent = round(100 * k / n, 1)
    if c is None:
        return f"{percent:g}", "no cut-off given"
    return f"{percent:g}", "abnormal (above cut-off)" if percent > c else "normal"


def _rows(items: Any) -> Sequence[Mapping[str, Any]]:
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _notes(payload: Mapping[str, Any], *keys: str) -> tuple[str, ...]:
    out = []
    for key in keys:
        text = str(payload.get(key) or "").strip()
        if text:
            out.append(f"{humanise(key)}: {text}")
    return tuple(out)


def _generic(title: str, payload: Mapping[str, Any]) -> ResultTable:
    """Any mapping as label/value rows (nested lists of mappings numbered)."""
    rows: list[tuple[str, str]] = []
    for key, value in payload.items():
        if isinstance(value, Mapping):
            rows += [(f"{humanise(key)}: {humanise(k)}", _text(v)) for k, v in value.items()]
        elif isinstance(value, list):
            for n, item in enumerate(value, start=1):
                if isinstance(item, Mapping):
                    rows += [
                        (f"{humanise(key)} {n}: {humanise(k)}", _text(v)) for k, v in item.items()
                    ]
                else:
                    rows.append((f"{humanise(key)} {n}", _text(item)))
        else:
            rows.append((humanise(key), _text(value)))
    return ResultTable(title, ("Item", "Value"), tuple(rows))


def _karyotype(title: str, p: Mapping[str, Any]) -> ResultTable:
    row = (
        _text(p.get("iscn") or p.get("text")),
        _text(p.get("metaphases_analysed")),
        _text(p.get("abnormal_metaphases")),
    )
    headers = ("ISCN karyotype", "Metaphases analysed", "Abnormal metaphases")
    return ResultTable(title, headers, (row,), _notes(p, "interpretation"))


def _fish(title: str, p: Mapping[str, Any]) -> ResultTable:
    rows = []
    for probe in _rows(p.get("probes")):
        percent, call = fish_call(
            probe.get("nuclei_scored"), probe.get("abnormal_nuclei"), probe.get("cutoff_percent")
        )
        rows.append(
            (
                _text(probe.get("probe")),
                _text(probe.get("nuclei_scored")),
                _text(probe.get("abnormal_nuclei")),
                percent,
                _text(probe.get("cutoff_percent")),
                call,
            )
        )
    headers = ("Probe", "Nuclei scored", "Abnormal nuclei", "Abnormal %", "Cut-off %", "Call")
    return ResultTable(title, headers, tuple(rows), _notes(p, "interpretation", "text"))


def _molecular(title: str, p: Mapping[str, Any]) -> ResultTable:
    keys = ("gene", "hgvs_c", "hgvs_p", "transcript", "vaf_percent", "classification")
    rows = tuple(tuple(_text(v.get(k)) for k in keys) for v in _rows(p.get("variants")))
    notes = _notes(p, "panel")
    if not rows:
        notes += ("No variant detected in the genes covered.",)
    headers = ("Gene", "HGVS c.", "HGVS p.", "Transcript", "VAF %", "Classification")
    return ResultTable(title, headers, rows, notes + _notes(p, "interpretation"))


def _culture(title: str, p: Mapping[str, Any]) -> ResultTable:
    organism = str(p.get("organism") or "").strip() or "No growth"
    row = (organism, _text(p.get("incubation_days")), _text(p.get("susceptibility")))
    return ResultTable(title, ("Organism", "Incubation (days)", "Susceptibility"), (row,))


def _narrative(title: str, p: Mapping[str, Any]) -> ResultTable:
    raw = p.get("values")
    values: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    rows = tuple((humanise(k), _text(v)) for k, v in values.items())
    text = str(p.get("text") or "").strip()
    return ResultTable(title, ("Measure", "Value"), rows, (text,) if text else ())


_SHAPES = {
    TestType.KARYOTYPE: ("iscn", _karyotype),
    TestType.FISH: ("probes", _fish),
    TestType.MOLECULAR_PANEL: ("variants", _molecular),
    TestType.CULTURE: ("incubation_days", _culture),
}


def result_table(test_type: TestType, payload: Mapping[str, Any]) -> ResultTable:
    """The result as a table; a payload of another shape shows as label/value rows."""
    title = test_label(test_type)
    shape = _SHAPES.get(test_type)
    if shape is not None:
        key, build = shape
        if key in payload:
            return build(title, payload)
    elif set(payload) <= {"text", "values"} and "text" in payload:
        return _narrative(title, payload)
    if set(payload) == {"text"}:
        return ResultTable(title, (), (), (str(payload["text"]),))
    return _generic(title, payload)
