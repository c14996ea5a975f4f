"""The laboratory results of an exported case as FHIR Observations: CBC and differential.

The CBC comes across one Observation per analyte (LOINC, UCUM). The marrow
differential is a panel (LOINC 47286-0) whose ``hasMember`` lists one Observation per
cell class, the M:E ratio and the cells counted; each value that has an adult
reference range carries it, with its source, and its H/L interpretation, so that the
receiving system flags what marrowscope flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marrowscope.domain.counting.reference_ranges import RangeFlag, ReferenceRange
from marrowscope.domain.pathway.cbc import analyte_info
from marrowscope.domain.pathway.records import CaseRecord, RecordKind
from marrowscope.interop.codes import (
    CaseExport,
    Code,
    analyte_code,
    cell_code,
    local_cell_code,
    me_range,
    panel_code,
    range_for_cell,
    system,
)
from marrowscope.interop.fhir.datatypes import Ids

__all__ = ["cbc_observations", "differential"]

_UCUM_PERCENT = {"value": 0.0, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
_LAB_CATEGORY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "laboratory",
            "display": "Laboratory",
        }
    ]
}


def _coding(code: Code) -> dict[str, str]:
    return {"system": code.system, "code": code.code, "display": code.display}


def cbc_observations(record: CaseRecord, ids: Ids) -> list[tuple[str, dict[str, Any]]]:
    """The latest CBC, one Observation per analyte that has a LOINC code."""
    stored = record.latest(RecordKind.CBC)
    if stored is None:
        return []
    collected = str(stored.payload["collected_at"])
    # a preliminary count stays preliminary, and a value sent as a bound ("<0.01") keeps
    # its comparator: nothing goes out stated more firmly than it came in
    status = "preliminary" if stored.payload.get("status") == "preliminary" else "final"
    comparators = stored.payload.get("comparators") or {}
    out = []
    for key, value in stored.payload["values"].items():
        info = analyte_info(key)
        if not info.loinc:
            continue
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": status,
            "category": [_LAB_CATEGORY],
            "code": {
                "coding": [_coding(analyte_code(key) or Code(system("loinc"), info.loinc, ""))],
                "text": info.name,
            },
            "subject": ids.ref("patient"),
            "effectiveDateTime": collected,
            "valueQuantity": {
                "value": float(value),
                **({"comparator": str(comparators[key])} if key in comparators else {}),
                "unit": info.unit,
                "system": system("ucum"),
                "code": info.ucum or info.unit,
            },
        }
        if stored.payload.get("laboratory"):
            obs["performer"] = [{"display": str(stored.payload["laboratory"])}]
        out.append((f"cbc/{key}", obs))
    return out


_UCUM_RATIO = {"unit": "ratio", "system": "http://unitsofmeasure.org", "code": "{ratio}"}
_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_FLAG_TEXT = {RangeFlag.HIGH: "High", RangeFlag.LOW: "Low"}


def _against(
    reference: ReferenceRange | None, value: float, unit: Mapping[str, Any]
) -> dict[str, Any]:
    """``referenceRange`` (adult, with its source) and the H/L ``interpretation``."""
    if reference is None:
        return {}
    quantity = {k: v for k, v in unit.items() if k != "value"}
    out: dict[str, Any] = {
        "referenceRange": [
            {
                "low": {**quantity, "value": reference.low},
                "high": {**quantity, "value": reference.high},
                "text": f"adult range {reference.describe()} ({reference.source_key})",
            }
        ]
    }
    flag = reference.flag(value)
    if flag is not RangeFlag.NORMAL:
        out["interpretation"] = [
            {
                "coding": [
                    {"system": _INTERPRETATION, "code": flag.value, "display": _FLAG_TEXT[flag]}
                ]
            }
        ]
    return out


def _percent(value: float) -> float:
    """Percent as exchanged: two decimals (a 500-cell count resolves 0.2 %)."""
    return round(value, 2)


def differential(
    export: CaseExport, ids: Ids, effective: str, specimen: str | None, issued: str
) -> list[tuple[str, dict[str, Any]]]:
    """The differential panel first, then its members; empty when there is no count.

    ``effective`` is when the counted marrow was taken, ``issued`` when it was counted:
    a receiver orders results by these, so neither may be the time of the export.
    """
    diff = export.differential
    if diff is None:
        return []

    def observation(code: dict[str, Any], value: dict[str, Any], **extra: Any) -> dict[str, Any]:
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final" if export.final else "preliminary",
            "category": [_LAB_CATEGORY],
            "code": code,
            "subject": ids.ref("patient"),
            "effectiveDateTime": effective,
            "issued": issued,
            "valueQuantity": value,
            **extra,
        }
        if specimen is not None:
            obs["specimen"] = ids.ref(specimen)
        return obs

    members: list[tuple[str, dict[str, Any]]] = []
    for row in diff.rows:
        codes = [cell_code(row.code, row.name)]
        if codes[0].is_loinc:
            codes.append(local_cell_code(row.code, row.name))
        ci = row.interval_percent
        members.append(
            (
                f"differential/{row.code.value}",
                observation(
                    {"coding": [_coding(c) for c in codes], "text": row.name},
                    {**_UCUM_PERCENT, "value": _percent(row.percent)},
                    note=[
                        {
                            "text": f"{row.count} of {diff.nucleated_cells} nucleated cells; "
                            f"{round(100 * diff.level)}% CI {ci.low:.1f}-{ci.high:.1f}%"
                        }
                    ],
                    **_against(range_for_cell(row.code), row.percent, _UCUM_PERCENT),
                ),
            )
        )
    if diff.me.ratio is not None:
        me = panel_code("me_ratio")
        members.append(
            (
                "differential/me_ratio",
                observation(
                    {"coding": [_coding(me)], "text": "M:E ratio"},
                    {
                        "value": round(diff.me.ratio, 2),
                        "unit": "ratio",
                        "system": system("ucum"),
                        "code": "{ratio}",
                    },
                    **_against(me_range(), diff.me.ratio, _UCUM_RATIO),
                ),
            )
        )
    counted = panel_code("cells_counted")
    members.append(
        (
            "differential/cells_counted",
            observation(
                {"coding": [_coding(counted)], "text": "Nucleated cells counted"},
                {
                    "value": diff.nucleated_cells,
                    "unit": "cells",
                    "system": system("ucum"),
                    "code": "{cells}",
                },
            ),
        )
    )
    panel = panel_code("differential")
    panel_obs: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final" if export.final else "preliminary",
        "category": [_LAB_CATEGORY],
        "code": {"coding": [_coding(panel)], "text": "Bone marrow differential"},
        "subject": ids.ref("patient"),
        "effectiveDateTime": effective,
        "issued": issued,
        "hasMember": [ids.ref(name) for name, _ in members],
    }
    if diff.adequacy.warning:
        panel_obs["note"] = [{"text": diff.adequacy.warning}]
    if specimen is not None:
        panel_obs["specimen"] = ids.ref(specimen)
    return [("differential/panel", panel_obs), *members]
