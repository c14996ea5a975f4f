"""The clinical context of an exported case: Patient, ServiceRequest, Procedure, Specimen.

These resources come from the pathway records (the order, the procedure, the specimen
containers) rather than from the laboratory results, and every other resource of the
Bundle points at them (subject, basedOn, specimen); they are kept apart from the
Observations so that each module holds one kind of resource. An order from an EHR keeps
what the EHR sent (``OrderOrigin``): its placer number beside ours, its ordering provider
as a Practitioner, its ICD-10 reasons as codes with their text.
"""

from __future__ import annotations

from typing import Any

from marrowscope.domain.pathway.indication import indication_label
from marrowscope.domain.pathway.order_origin import OrderOrigin, Provider, origin_from
from marrowscope.domain.pathway.records import CaseRecord, RecordKind
from marrowscope.interop.codes import ExportSite, system
from marrowscope.interop.diagnoses import fhir_system
from marrowscope.interop.fhir.datatypes import Ids, iso
from marrowscope.interop.fhir.people import mrn_identifier, order_identifiers

__all__ = ["order", "orderer", "origin", "patient", "procedure", "specimens"]


def patient(record: CaseRecord, site: ExportSite | None = None) -> dict[str, Any]:
    """The Patient, identified by MRN (type MR, the hospital's system and authority):
    the subject every other resource points at."""
    p = record.patient
    return {
        "resourceType": "Patient",
        "identifier": [mrn_identifier(p.mrn, site or ExportSite())],
        "name": [{"family": p.family_name, "given": [p.given_name]}],
        "gender": p.sex.value,
        "birthDate": p.birth_date.isoformat(),
    }


def origin(record: CaseRecord) -> OrderOrigin | None:
    """What the EHR sent with the case's order; None for an order made in the app."""
    stored = record.latest(RecordKind.ORDER)
    return origin_from(stored.payload.get("origin")) if stored is not None else None


def orderer(record: CaseRecord) -> Provider | None:
    """The ordering provider the EHR named as a person; None when only a name is known."""
    sent = origin(record)
    person = sent.orderer if sent is not None else None
    return person if person is not None and not person.is_empty else None


def _diagnoses(sent: OrderOrigin | None) -> list[dict[str, Any]]:
    """The EHR's ICD-10 reasons as sent, code and text, beside our indications."""
    out = []
    for d in sent.diagnoses if sent is not None else ():
        coding = {"system": fhir_system(d.system), "code": d.code}
        if d.text:
            coding["display"] = d.text
        out.append({"coding": [coding], "text": d.text or d.code})
    return out


def order(record: CaseRecord, ids: Ids, site: ExportSite | None = None) -> dict[str, Any] | None:
    """The order as a ServiceRequest with its indications; None when none was recorded.

    From an EHR: its placer number (PLAC) beside our case number (FILL), its provider
    as the Bundle's ``orderer`` Practitioner, its ICD-10 reasons after our indications.
    """
    stored = record.latest(RecordKind.ORDER)
    if stored is None:
        return None
    p = stored.payload
    sent = origin(record)
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
    reasons += _diagnoses(sent)
    requester: dict[str, Any] = {"display": str(p.get("ordered_by", ""))}
    if orderer(record) is not None:
        requester = {**ids.ref("orderer"), **requester}
    out: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": order_identifiers(sent, str(record.case.id), site or ExportSite()),
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
        "requester": requester,
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
