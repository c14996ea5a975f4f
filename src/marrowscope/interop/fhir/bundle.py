"""The Bundle that carries a case out, with the DiagnosticReport at its head.

``case_bundle`` gathers the resources of ``clinical`` and ``observations``, adds the
DiagnosticReport that points at them (conclusion and, when given, the PDF), gives each
its stable id and has the whole Bundle validated by the ``fhir.resources`` models
(``fhir_read.validate_bundle``) before it is returned. The people are Practitioners
(``people``): the EHR's ordering provider and the signing pathologist, with their
identifiers, so that the EHR files the result against its own order and clinicians.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from marrowscope.domain.pathway.records import RecordKind
from marrowscope.interop.codes import CaseExport, panel_code, system
from marrowscope.interop.fhir import clinical, observations, people, risk
from marrowscope.interop.fhir.datatypes import Ids, iso
from marrowscope.interop.fhir.risk import conclusion_codes
from marrowscope.interop.fhir_read import validate_bundle

__all__ = ["FHIR_VERSION", "case_bundle"]

FHIR_VERSION = "4.3.0 (R4B models of fhir.resources; R4-compatible for these resources)"
_HM_CATEGORY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
            "code": "HM",
            "display": "Hematology",
        }
    ]
}


def _report(
    export: CaseExport,
    ids: Ids,
    effective: str,
    specimens: Sequence[str],
    results: Sequence[str],
) -> dict[str, Any]:
    loinc = panel_code("report")
    out: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "status": report_status(export),
        "category": [_HM_CATEGORY],
        "code": {
            "coding": [
                {"system": loinc.system, "code": loinc.code, "display": loinc.display},
                {
                    "system": system("procedure"),
                    "code": "bone-marrow-report",
                    "display": "Bone marrow examination report",
                },
            ],
            "text": "Bone marrow examination report",
        },
        "subject": ids.ref("patient"),
        "effectiveDateTime": effective,
        # the sign-out time of the version sent, not the time of the export
        "issued": iso(export.issued),
        "identifier": [{"system": system("case"), "value": str(export.record.case.id)}],
    }
    if export.record.latest(RecordKind.ORDER) is not None:
        out["basedOn"] = [ids.ref("order")]
    if export.signed_by:
        out["resultsInterpreter"] = [ids.ref("pathologist")]
        out["performer"] = [ids.ref("pathologist")]
    if specimens:
        out["specimen"] = [ids.ref(s) for s in specimens]
    if results:
        out["result"] = [ids.ref(r) for r in results]
    if export.conclusion or export.addendum:
        out["conclusion"] = _conclusion(export)
    codes = conclusion_codes(export)
    if codes:
        out["conclusionCode"] = codes
    forms = []
    if export.pdf is not None:
        forms.append(
            {
                "contentType": "application/pdf",
                "data": base64.b64encode(export.pdf).decode("ascii"),
                "title": f"Bone marrow report, case {export.record.case.id}",
                "creation": iso(export.issued),
            }
        )
    if export.addendum:
        forms.append(
            {
                "contentType": "text/plain; charset=utf-8",
                "data": base64.b64encode(export.addendum.encode("utf-8")).decode("ascii"),
                "title": f"Addendum, case {export.record.case.id}",
                "creation": iso(export.issued),
            }
        )
    if forms:
        out["presentedForm"] = forms
    return out


def _conclusion(export: CaseExport) -> str:
    """The signed conclusion, then the addendum under its own heading: an EHR that shows
    only the conclusion must still show what the addendum added."""
    parts = [export.conclusion.strip()]
    if export.addendum.strip():
        parts.append(f"Addendum: {export.addendum.strip()}")
    return "\n\n".join(p for p in parts if p)


def report_status(export: CaseExport) -> str:
    """FHIR DiagnosticReport.status: preliminary, final, or amended/appended after a
    signed version was replaced (amendment) or added to (addendum)."""
    if not export.final:
        return "preliminary"
    if export.kind == "amendment":
        return "amended"
    if export.kind == "addendum":
        return "appended"
    return "final"


def _examined_at(
    export: CaseExport,
    procedure: Mapping[str, Any] | None,
    specimens: Mapping[str, Mapping[str, Any]],
    smear: str | None,
) -> str:
    """The clinically relevant time of the report and the differential: when the marrow
    that was examined was taken (FHIR's ``effective`` of a laboratory result is the
    collection time). The counted smear's collection, else the first specimen's, else the
    procedure's start; with none of them, when it was counted, else when issued."""
    if smear is not None:
        return str(specimens[smear]["collection"]["collectedDateTime"])
    collected = sorted(
        datetime.fromisoformat(str(s["collection"]["collectedDateTime"]))
        for s in specimens.values()
    )
    if collected:
        return iso(collected[0])
    if procedure is not None:
        return str(procedure["performedPeriod"]["start"])
    return iso(export.counted_at or export.issued)


def case_bundle(export: CaseExport) -> dict[str, Any]:
    """The case as a FHIR R4 ``collection`` Bundle (JSON), validated by the models."""
    record = export.record
    ids = Ids(record.case.id)
    entries: list[tuple[str, dict[str, Any]]] = [("patient", clinical.patient(record, export.site))]
    if export.signed_by:
        entries.append(("pathologist", people.signer_practitioner(export)))
    orderer = clinical.orderer(record)
    if orderer is not None:
        entries.append(("orderer", people.practitioner(orderer)))
    order = clinical.order(record, ids, export.site)
    if order is not None:
        entries.append(("order", order))
    procedure = clinical.procedure(record, ids)
    if procedure is not None:
        entries.append(("procedure", procedure))
    specimens = clinical.specimens(record, ids)
    entries.extend(specimens)
    smear = next(
        (name for name, s in specimens if s["type"]["coding"][0]["code"] == "aspirate_smear"),
        None,
    )
    effective = _examined_at(export, procedure, dict(specimens), smear)
    cbc = observations.cbc_observations(record, ids)
    entries.extend(cbc)
    counted = iso(export.counted_at or export.issued)
    differential = observations.differential(export, ids, effective, smear, counted)
    entries.extend(differential)
    risks = risk.risk_observations(export, ids, effective)
    entries.extend(risks)
    results = [name for name, _ in differential[:1]] + [name for name, _ in cbc]
    results += [name for name, _ in risks]
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
        "timestamp": iso(export.generated_at),
        "entry": [{"fullUrl": ids.url(name), "resource": resource} for name, resource in entries],
    }
    validate_bundle(data)
    return data
