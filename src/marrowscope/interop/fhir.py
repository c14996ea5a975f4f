"""FHIR R4 export of a case and import of a blood count, validated with ``fhir.resources``.

The models are ``fhir.resources.R4B`` (FHIR 4.3, the R4 line; the resources used here,
Patient, ServiceRequest, Procedure, Specimen, Observation and DiagnosticReport, are
wire-compatible with 4.0.1). Every Bundle is built as plain JSON and then parsed by the
models, so an export that is not valid FHIR never leaves this module.

Export: a ``collection`` Bundle with the Patient, the order (ServiceRequest with its
indications), the Procedure (site and side), one Specimen per container, the CBC as
Observations, the differential panel (LOINC 47286-0) whose ``hasMember`` lists one
Observation per cell class (percent), the M:E ratio (11138-5) and the cells counted
(38257-2), and a DiagnosticReport with the conclusion and, when given, the PDF.

Import (``fhir_read``, re-exported here): Observations whose LOINC code is a CBC
analyte of ``cbc_reference.toml`` become a ``CbcImport``; a file that is not valid FHIR,
or holds no CBC value, is refused with ``InvalidMessage``.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from marrowscope.domain.cbc import analyte_info
from marrowscope.domain.indication import indication_label
from marrowscope.domain.pathway import CaseRecord, RecordKind
from marrowscope.domain.reference_ranges import RangeFlag, ReferenceRange
from marrowscope.interop.codes import (
    CaseExport,
    Code,
    cell_code,
    local_cell_code,
    me_range,
    panel_code,
    range_for_cell,
    system,
)
from marrowscope.interop.fhir_read import (
    DifferentialImport,
    cbc_from_fhir,
    differential_from_fhir,
    patient_mrn,
    validate_bundle,
)

__all__ = [
    "DifferentialImport",
    "FHIR_VERSION",
    "case_bundle",
    "cbc_from_fhir",
    "differential_from_fhir",
    "patient_mrn",
]

FHIR_VERSION = "4.3.0 (R4B models of fhir.resources; R4-compatible for these resources)"
_UCUM_PERCENT = {"value": 0.0, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
_HM_CATEGORY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
            "code": "HM",
            "display": "Hematology",
        }
    ]
}
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


def _iso(at: datetime) -> str:
    return at.isoformat()


class _Ids:
    """Stable ``urn:uuid`` full URLs: the same case exports with the same ids."""

    def __init__(self, case_id: int) -> None:
        self._ns = uuid.uuid5(uuid.NAMESPACE_URL, f"{system('case')}/{case_id}")

    def url(self, name: str) -> str:
        return f"urn:uuid:{uuid.uuid5(self._ns, name)}"

    def ref(self, name: str) -> dict[str, str]:
        return {"reference": self.url(name)}


def _patient(record: CaseRecord) -> dict[str, Any]:
    p = record.patient
    return {
        "resourceType": "Patient",
        "identifier": [{"system": system("mrn"), "value": p.mrn}],
        "name": [{"family": p.family_name, "given": [p.given_name]}],
        "gender": p.sex.value,
        "birthDate": p.birth_date.isoformat(),
    }


def _order(record: CaseRecord, ids: _Ids) -> dict[str, Any] | None:
    stored = record.latest(RecordKind.ORDER)
    if stored is None:
        return None
    p = stored.payload
    reasons = [
        {
            "coding": [
                {
                    "system": system("indication"),
                    "code": str(i),
                    "display": _label(str(i)),
                }
            ],
            "text": _label(str(i)),
        }
        for i in p.get("indications", [])
    ]
    out: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": system("case"), "value": str(record.case.id)}],
        "status": "completed" if record.results else "active",
        "intent": "order",
        "priority": "urgent" if p.get("urgency") == "urgent" else "routine",
        "code": {"text": "Bone marrow examination"},
        "subject": ids.ref("patient"),
        "authoredOn": str(p.get("ordered_at", "")) or None,
        "requester": {"display": str(p.get("ordered_by", ""))},
        "reasonCode": reasons or None,
        "note": [{"text": str(p["clinical_details"])}] if p.get("clinical_details") else None,
    }
    return {k: v for k, v in out.items() if v is not None}


def _label(indication: str) -> str:
    from marrowscope.domain.indication import Indication

    try:
        return indication_label(Indication(indication))
    except (ValueError, KeyError):
        return indication


def _words(value: str) -> str:
    return value.replace("_", " ")


def _procedure(record: CaseRecord, ids: _Ids) -> dict[str, Any] | None:
    stored = record.latest(RecordKind.PROCEDURE)
    if stored is None:
        return None
    p = stored.payload["procedure"]
    site = f"{_words(str(p['site']))}, {_words(str(p['side']))}"
    out: dict[str, Any] = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": {
            "coding": [
                {
                    "system": system("procedure"),
                    "code": "bone-marrow-aspiration-trephine",
                    "display": "Bone marrow aspiration and trephine biopsy",
                }
            ],
            "text": "Bone marrow aspiration and trephine biopsy",
        },
        "subject": ids.ref("patient"),
        "performedPeriod": {"start": str(p["started_at"]), "end": str(p["ended_at"])},
        "performer": [{"actor": {"display": str(p["operator"])}}],
        "bodySite": [
            {
                "coding": [
                    {"system": system("body_site"), "code": str(p["site"]), "display": site}
                ],
                "text": site,
            }
        ],
    }
    if record.latest(RecordKind.ORDER) is not None:
        out["basedOn"] = [ids.ref("order")]
    if p.get("notes"):
        out["note"] = [{"text": str(p["notes"])}]
    return out


def _specimens(record: CaseRecord, ids: _Ids) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for s in record.specimens:
        kind = _words(s.kind.value)
        resource: dict[str, Any] = {
            "resourceType": "Specimen",
            "identifier": [{"system": system("accession"), "value": s.accession}],
            "accessionIdentifier": {"system": system("accession"), "value": s.accession},
            "status": "available",
            "type": {
                "coding": [
                    {"system": system("specimen_kind"), "code": s.kind.value, "display": kind}
                ],
                "text": kind,
            },
            "subject": ids.ref("patient"),
            "collection": {"collectedDateTime": _iso(s.collected_at)},
        }
        if s.received_at is not None:
            resource["receivedTime"] = _iso(s.received_at)
        if record.latest(RecordKind.ORDER) is not None:
            resource["request"] = [ids.ref("order")]
        out.append((f"specimen/{s.accession}", resource))
    return out


def _cbc_observations(record: CaseRecord, ids: _Ids) -> list[tuple[str, dict[str, Any]]]:
    stored = record.latest(RecordKind.CBC)
    if stored is None:
        return []
    collected = str(stored.payload["collected_at"])
    out = []
    for key, value in stored.payload["values"].items():
        info = analyte_info(key)
        if not info.loinc:
            continue
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": [_LAB_CATEGORY],
            "code": {
                "coding": [{"system": system("loinc"), "code": info.loinc, "display": info.name}],
                "text": info.name,
            },
            "subject": ids.ref("patient"),
            "effectiveDateTime": collected,
            "valueQuantity": {
                "value": float(value),
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


def _differential(
    export: CaseExport, ids: _Ids, effective: str, specimen: str | None
) -> list[tuple[str, dict[str, Any]]]:
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
        "hasMember": [ids.ref(name) for name, _ in members],
    }
    if diff.adequacy.warning:
        panel_obs["note"] = [{"text": diff.adequacy.warning}]
    if specimen is not None:
        panel_obs["specimen"] = ids.ref(specimen)
    return [("differential/panel", panel_obs), *members]


def _report(
    export: CaseExport,
    ids: _Ids,
    effective: str,
    specimens: Sequence[str],
    results: Sequence[str],
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "status": "final" if export.final else "preliminary",
        "category": [_HM_CATEGORY],
        "code": {
            "coding": [
                {
                    "system": system("procedure"),
                    "code": "bone-marrow-report",
                    "display": "Bone marrow examination report",
                }
            ],
            "text": "Bone marrow examination report",
        },
        "subject": ids.ref("patient"),
        "effectiveDateTime": effective,
        "issued": _iso(export.generated_at),
        "identifier": [{"system": system("case"), "value": str(export.record.case.id)}],
    }
    if export.record.latest(RecordKind.ORDER) is not None:
        out["basedOn"] = [ids.ref("order")]
    if specimens:
        out["specimen"] = [ids.ref(s) for s in specimens]
    if results:
        out["result"] = [ids.ref(r) for r in results]
    if export.conclusion:
        out["conclusion"] = export.conclusion
    if export.pdf is not None:
        out["presentedForm"] = [
            {
                "contentType": "application/pdf",
                "data": base64.b64encode(export.pdf).decode("ascii"),
                "title": f"Bone marrow report, case {export.record.case.id}",
                "creation": _iso(export.generated_at),
            }
        ]
    return out


def case_bundle(export: CaseExport) -> dict[str, Any]:
    """The case as a FHIR R4 ``collection`` Bundle (JSON), validated by the models."""
    record = export.record
    ids = _Ids(record.case.id)
    entries: list[tuple[str, dict[str, Any]]] = [("patient", _patient(record))]
    order = _order(record, ids)
    if order is not None:
        entries.append(("order", order))
    procedure = _procedure(record, ids)
    effective = _iso(export.generated_at)
    if procedure is not None:
        entries.append(("procedure", procedure))
        effective = str(procedure["performedPeriod"]["start"])
    specimens = _specimens(record, ids)
    entries.extend(specimens)
    smear = next(
        (name for name, s in specimens if s["type"]["coding"][0]["code"] == "aspirate_smear"),
        None,
    )
    cbc = _cbc_observations(record, ids)
    entries.extend(cbc)
    differential = _differential(export, ids, effective, smear)
    entries.extend(differential)
    results = [name for name, _ in differential[:1]] + [name for name, _ in cbc]
    entries.append(
        (
            "report",
            _report(export, ids, effective, [name for name, _ in specimens], results),
        )
    )
    for name, resource in entries:
        resource["id"] = ids.url(name).removeprefix("urn:uuid:")
    data: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": ids.url("bundle").removeprefix("urn:uuid:"),
        "type": "collection",
        "timestamp": _iso(export.generated_at),
        "entry": [{"fullUrl": ids.url(name), "resource": resource} for name, resource in entries],
    }
    validate_bundle(data)
    return data
