"""An order in as a FHIR R4 ServiceRequest (alone, or in a Bundle with its Patient), and the
OperationOutcome that answers it.

The ServiceRequest is parsed by the ``fhir.resources`` R4B models first, then read like
an HL7 order (``interop.orders``): ``code`` must be in ``order_catalogue.toml``, status
``active`` and intent an order; ``identifier`` is the placer order number (a resend with
the same one is the same order); ``reasonCode`` the indications; ``note`` the clinical
details; ``authoredOn``, ``requester`` and ``priority`` as sent. The patient is the
Bundle's (or a contained) Patient that ``subject`` references, or a logical reference
by identifier: the MRN is the identifier of our MRN system or of type MR (of the
configured authority, when one is set), and name, gender and birthDate are its identity.

What the EHR sent is kept as the order's ``OrderOrigin``, as for an HL7 order: the
identifier typed PLAC (else the first) is the placer number under its system; the
requester, a reference to a Practitioner (or a PractitionerRole naming one) in the
Bundle or contained, is the ordering provider with name and identifier (the site's
type when several are sent); ICD-10 ``reasonCode`` codings are kept as codes with text.
Where it was placed (``locationReference``, else the encounter's location) is read by
``interop.fhir.order_location``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest

from marrowscope.domain.errors import InvalidMessage
from marrowscope.domain.pathway.order_origin import OrderOrigin, Provider
from marrowscope.interop.codes import PatientIdentity, system
from marrowscope.interop.fhir.order_location import ordering_location
from marrowscope.interop.fhir.people import V2_0203, provider_from
from marrowscope.interop.fhir_read import parse_model
from marrowscope.interop.orders import (
    OrderImport,
    Reason,
    accepted_codes,
    diagnoses_from,
    indications_from,
    is_accepted_order,
    urgency_from_fhir,
)

__all__ = ["operation_outcome", "read_service_request"]

_SEX = {"male": "M", "female": "F", "other": "O", "unknown": "U"}
# HL7 v2 error codes (table 0357) of InvalidMessage as FHIR issue types (IssueType)
_ISSUE_TYPE = {
    "100": "structure",
    "101": "required",
    "102": "value",
    "103": "code-invalid",
    "200": "not-supported",
    "203": "not-supported",
    "204": "business-rule",
    "205": "duplicate",
    "206": "conflict",
}


def _referenced(
    data: Mapping[str, Any], request: Mapping[str, Any], reference: str, kinds: tuple[str, ...]
) -> Mapping[str, Any] | None:
    """The resource of one of ``kinds`` that ``reference`` names: contained (``#id``), or
    a Bundle entry by its fullUrl or its relative id (``Practitioner/p1``); None if none."""
    if not reference:
        return None
    if reference.startswith("#"):
        for contained in request.get("contained") or []:
            if contained.get("resourceType") in kinds and f"#{contained.get('id')}" == reference:
                return dict(contained)
        return None
    for entry in data.get("entry") or [] if data.get("resourceType") == "Bundle" else []:
        resource = entry.get("resource") or {}
        kind = resource.get("resourceType")
        if kind in kinds and reference in (entry.get("fullUrl"), f"{kind}/{resource.get('id')}"):
            return dict(resource)
    return None


def _patient_resource(data: Mapping[str, Any], request: Mapping[str, Any]) -> Any:
    """The Patient that ``subject`` references: contained, in the Bundle, or None."""
    reference = str((request.get("subject") or {}).get("reference") or "")
    found = _referenced(data, request, reference, ("Patient",))
    if found is None and reference and not reference.startswith("#"):
        raise InvalidMessage(
            f"ServiceRequest.subject: {reference} is not a Patient in this Bundle", code="101"
        )
    return found


def _requester(
    data: Mapping[str, Any], request: Mapping[str, Any], id_type: str
) -> Provider | None:
    """The ordering provider the requester references, as a person; None when the
    requester is a display name alone or names no Practitioner we were sent (an
    organisation or a device ordering is kept by its display)."""
    requester = request.get("requester") or {}
    reference = str(requester.get("reference") or "")
    found = _referenced(data, request, reference, ("Practitioner", "PractitionerRole"))
    if found is not None and found.get("resourceType") == "PractitionerRole":
        inner = str((found.get("practitioner") or {}).get("reference") or "")
        found = _referenced(data, request, inner, ("Practitioner",))
    if found is None:
        ident = requester.get("identifier")
        if not isinstance(ident, Mapping) or not ident.get("value"):
            return None
        found = {"identifier": [ident], "name": [{"text": requester.get("display") or ""}]}
    person = provider_from(found, id_type)
    return None if person.is_empty else person


def _mrn(identifiers: list[Any], authority: str, where: str) -> str:
    values = set()
    for ident in identifiers:
        types = {(c.system, c.code) for c in (ident.type.coding if ident.type else []) or []}
        assigner = ident.assigner.display if ident.assigner is not None else None
        if ident.system == system("mrn") or (
            (V2_0203, "MR") in types and (not authority or assigner == authority)
        ):
            if ident.value:
                values.add(str(ident.value))
    if len(values) != 1:
        found = "no" if not values else "more than one"
        raise InvalidMessage(
            f"{where}: {found} medical record number (type MR or system {system('mrn')})",
            code="204" if values or identifiers else "101",
        )
    return values.pop()


def _identity(patient: Patient | None) -> PatientIdentity:
    if patient is None:
        return PatientIdentity()
    names = list(patient.name or [])
    family = str(names[0].family or "") if names else ""
    given = " ".join(str(g) for g in names[0].given or [] if g) if names else ""
    birth = patient.birthDate if isinstance(patient.birthDate, date) else None
    return PatientIdentity(
        family_name=family,
        given_name=given,
        birth_date=birth,
        sex=_SEX.get(str(patient.gender or ""), ""),
    )


def _authored(request: ServiceRequest) -> datetime | None:
    when = request.authoredOn
    if when is None:
        return None
    if not isinstance(when, datetime) or when.tzinfo is None:
        raise InvalidMessage(
            "ServiceRequest.authoredOn: a date/time with its zone offset", code="102"
        )
    return when


def _placer(request: ServiceRequest) -> Any:
    """The placer order number: the identifier typed PLAC, else the first with a value."""
    usable = [i for i in request.identifier or [] if i.value]
    for ident in usable:
        codings = ident.type.coding if ident.type is not None else None
        if any(c.system == V2_0203 and c.code == "PLAC" for c in codings or []):
            return ident
    return usable[0] if usable else None


def read_service_request(
    data: Mapping[str, Any], *, authority: str = "", provider_id_type: str = ""
) -> OrderImport:
    """A new marrow examination order from a ServiceRequest (or a Bundle holding one);
    ``provider_id_type`` picks the requester's identifier when several are sent."""
    if not isinstance(data, Mapping):
        raise InvalidMessage("FHIR: expected a JSON object (a ServiceRequest or a Bundle)")
    raw: Mapping[str, Any] = data
    if data.get("resourceType") == "Bundle":
        parse_model(Bundle, data, "FHIR Bundle")  # first: the entries are then well formed
        requests: list[Mapping[str, Any]] = [
            e["resource"]
            for e in data.get("entry") or []
            if (e.get("resource") or {}).get("resourceType") == "ServiceRequest"
        ]
        if len(requests) != 1:
            raise InvalidMessage(
                f"FHIR Bundle: holds {len(requests)} ServiceRequests; send one order", code="100"
            )
        raw = requests[0]
    elif data.get("resourceType") != "ServiceRequest":
        raise InvalidMessage(
            f"FHIR: expected a ServiceRequest or a Bundle, got {data.get('resourceType')!r}",
            code="200",
        )
    request: ServiceRequest = parse_model(ServiceRequest, raw, "FHIR ServiceRequest")
    codings = list(request.code.coding or []) if request.code is not None else []
    if not any(
        is_accepted_order(str(c.code or ""), str(c.system or ""), fhir=True) for c in codings
    ):
        sent = ", ".join(f"{c.system}|{c.code}" for c in codings) or "(none)"
        raise InvalidMessage(
            f"ServiceRequest.code: {sent} is not a bone marrow examination order here; "
            f"send one of {', '.join(accepted_codes())}",
            code="103",
        )
    if request.status != "active" or request.intent not in ("order", "original-order"):
        raise InvalidMessage(
            f"ServiceRequest: status {request.status}, intent {request.intent}; only an active "
            "order is taken",
            code="103",
        )
    placer = _placer(request)
    if placer is None:
        raise InvalidMessage("ServiceRequest.identifier: the order number is missing", code="101")
    patient_json = _patient_resource(data, raw)
    patient = (
        parse_model(Patient, patient_json, "FHIR Patient") if patient_json is not None else None
    )
    if patient is not None:
        mrn = _mrn(list(patient.identifier or []), authority, "Patient.identifier")
    elif request.subject is not None and request.subject.identifier is not None:
        mrn = _mrn([request.subject.identifier], authority, "ServiceRequest.subject.identifier")
    else:
        raise InvalidMessage("ServiceRequest.subject: no Patient and no MRN", code="101")
    reasons = [
        Reason(str(c.code or ""), str(c.display or concept.text or ""), str(c.system or ""))
        for concept in request.reasonCode or []
        for c in (concept.coding or [])
    ] + [
        Reason("", str(concept.text))
        for concept in request.reasonCode or []
        if not concept.coding and concept.text
    ]
    indications, unmatched = indications_from(reasons, "ServiceRequest.reasonCode")
    details = [str(n.text) for n in request.note or [] if n.text]
    if unmatched:
        details.append(f"Reason given: {unmatched}")
    orderer = _requester(data, raw, provider_id_type)
    display = request.requester.display if request.requester is not None else None
    service = next(
        c for c in codings if is_accepted_order(str(c.code or ""), str(c.system or ""), fhir=True)
    )
    origin = OrderOrigin(
        placer_number=str(placer.value),
        placer_namespace=str(placer.system or ""),
        service_code=str(service.code or ""),
        service_text=str(service.display or (request.code.text if request.code else "") or ""),
        service_system=str(service.system or ""),
        orderer=orderer,
        diagnoses=diagnoses_from(reasons),
        sender=str(placer.system or "FHIR"),
    )
    return OrderImport(
        sender=str(placer.system or "FHIR"),
        control_id=f"ServiceRequest/{placer.value}",
        message_type="ServiceRequest",
        placer_order=str(placer.value),
        patient_mrn=mrn,
        identity=_identity(patient),
        indications=indications,
        clinical_details="\n".join(d.strip() for d in details if d.strip()),
        urgency=urgency_from_fhir(str(request.priority or "routine")),
        ordered_at=_authored(request),
        requester=orderer.display if orderer is not None else str(display or ""),
        origin=origin,
        location=ordering_location(raw, lambda ref, kinds: _referenced(data, raw, ref, kinds)),
    )


def operation_outcome(error: Exception | None, accepted: str = "") -> dict[str, Any]:
    """The answer to a FHIR order: information when filed, error with the reason when not."""
    if error is None:
        issue = {"severity": "information", "code": "informational", "diagnostics": accepted}
    else:
        code = str(getattr(error, "code", "") or "")
        issue = {
            "severity": "error",
            "code": _ISSUE_TYPE.get(
                code, "invalid" if isinstance(error, InvalidMessage) else "exception"
            ),
            "diagnostics": str(error)[:1000],
        }
    out: dict[str, Any] = {"resourceType": "OperationOutcome", "issue": [issue]}
    OperationOutcome.model_validate(out)
    return out
