"""The clinical context of an exported case: Patient, ServiceRequest, Procedure, Specimen.

These resources come from the pathway records (the order, the procedure, the specimen
containers) rather than from the laboratory results, and every other resource of the
Bundle points at them (subject, basedOn, specimen); they are kept apart from the
Observations so that each module holds one kind of resource.
"""

from __future__ import annotations

from typing import Any

from marrowscope.domain.pathway.indication import indication_label
from marrowscope.domain.pathway.records import CaseRecord, RecordKind
from marrowscope.interop.codes import system
from marrowscope.interop.fhir.datatypes import Ids, iso

__all__ = ["order", "patient", "procedure", "specimens"]


def patient(record: CaseRecord) -> dict[str, Any]:
    """The Patient, identified by MRN: the subject every other resource points at."""
    p = record.patient
    return {
        "resourceType": "Patient",
        "identifier": [{"system": system("mrn"), "value": p.mrn}],
        "name": [{"family": p.family_name, "given": [p.given_name]}],
        "gender": p.sex.value,
        "birthDate": p.birth_date.isoformat(),
    }


def order(record: CaseRecord, ids: Ids) -> dict[str, Any] | None:
    """The order as a ServiceRequest with its indications; None when none was recorded."""
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
        # the order code of order_catalogue.toml, so the ServiceRequest reads back as an order
        "code": {
            "coding": [
                {
                    "system": system("procedure"),
                    "code": "BMEXAM",
                    "display": "Bone marrow examination",
                }
            ],
            "text": "Bone marrow examination",
        },
        "subject": ids.ref("patient"),
        "authoredOn": str(p.get("ordered_at", "")) or None,
        "requester": {"display": str(p.get("ordered_by", ""))},
        "reasonCode": reasons or None,
        "note": [{"text": str(p["clinical_details"])}] if p.get("clinical_details") else None,
    }
    return {k: v for k, v in out.items() if v is not None}


def _label(indication: str) -> str:
    from marrowscope.domain.pathway.indication import Indication

    try:
        return indication_label(Indication(indication))
    except (ValueError, KeyError):
        return indication


def _words(value: str) -> str:
    return value.replace("_", " ")


def procedure(record: CaseRecord, ids: Ids) -> dict[str, Any] | None:
    """The aspiration and trephine as a Procedure (site, side); None before it is done."""
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


def specimens(record: CaseRecord, ids: Ids) -> list[tuple[str, dict[str, Any]]]:
    """One Specimen per container, named ``specimen/<accession>`` in the Bundle."""
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
            "collection": {"collectedDateTime": iso(s.collected_at)},
        }
        if s.received_at is not None:
            resource["receivedTime"] = iso(s.received_at)
        if record.latest(RecordKind.ORDER) is not None:
            resource["request"] = [ids.ref("order")]
        out.append((f"specimen/{s.accession}", resource))
    return out
