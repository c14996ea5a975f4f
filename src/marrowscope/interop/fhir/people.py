"""People and numbers as FHIR identifiers: the patient's MRN, the order's placer and filler
numbers, the ordering provider and the signing pathologist as Practitioners.

An EHR files a result by the identifiers it issued: the MRN typed MR (HL7 table 0203)
under its system or assigning authority, the order under its placer number (type PLAC)
beside ours (type FILL), and the clinicians by their NPI or the site's identifier type.
Kept in one module so that the export (``clinical``, ``bundle``) and the order reader
(``fhir_order``) map an identifier's type, system and assigner the same way both ways.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from marrowscope.domain.pathway.order_origin import OrderOrigin, Provider
from marrowscope.interop.codes import CaseExport, ExportSite, system

__all__ = [
    "NPI_SYSTEM",
    "V2_0203",
    "identifier",
    "mrn_identifier",
    "order_identifiers",
    "practitioner",
    "provider_from",
    "signer_practitioner",
]

V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"  # the US National Provider Identifier
# displays of the table 0203 codes sent here (HL7 terminology, v2-0203)
_TYPE_DISPLAY = {
    "MR": "Medical record number",
    "PLAC": "Placer Identifier",
    "FILL": "Filler Identifier",
    "NPI": "National provider identifier",
    "PRN": "Provider number",
    "DN": "Doctor number",
}


def _is_uri(text: str) -> bool:
    return text.startswith(("http://", "https://", "urn:"))


def identifier(value: str, id_type: str = "", authority: str = "") -> dict[str, Any]:
    """A FHIR Identifier of ``value``: typed by table 0203 when a type is known; its system
    the authority when that is a URI (or the NPI system for an NPI), else the authority
    named as the assigner, since a bare namespace such as EPIC is no system URI."""
    out: dict[str, Any] = {}
    code = id_type.strip().upper()
    if code:
        coding = {"system": V2_0203, "code": code}
        if code in _TYPE_DISPLAY:
            coding["display"] = _TYPE_DISPLAY[code]
        out["type"] = {"coding": [coding]}
    if _is_uri(authority):
        out["system"] = authority
    elif code == "NPI" or authority.upper() == "NPI":
        out["system"] = NPI_SYSTEM
    out["value"] = value
    if authority and not _is_uri(authority) and out.get("system") != NPI_SYSTEM:
        out["assigner"] = {"display": authority}
    return out


def mrn_identifier(mrn: str, site: ExportSite) -> dict[str, Any]:
    """The MRN typed MR, under the hospital's system (else ours) and assigning authority."""
    out = identifier(mrn, "MR", site.mrn_system or system("mrn"))
    out["use"] = "usual"
    if site.assigning_authority:
        out["assigner"] = {"display": site.assigning_authority}
    return out


def order_identifiers(
    origin: OrderOrigin | None, case_no: str, site: ExportSite
) -> list[dict[str, Any]]:
    """The EHR's placer number (PLAC, when the order came from one) and ours (FILL)."""
    out = []
    if origin is not None:
        namespace = origin.placer_namespace
        authority = namespace if _is_uri(namespace) else site.placer_system or namespace
        placer = identifier(origin.placer_number, "PLAC", authority)
        if namespace and not _is_uri(namespace) and site.placer_system:
            placer["assigner"] = {"display": namespace}
        out.append(placer)
    out.append(identifier(case_no, "FILL", system("case")))
    return out


def practitioner(person: Provider) -> dict[str, Any]:
    """The ordering provider as the EHR sent them: name parts and identifier."""
    name: dict[str, Any] = {}
    if person.family_name:
        name["family"] = person.family_name
    if person.given_name:
        name["given"] = person.given_name.split()
    if person.prefix:
        name["prefix"] = [person.prefix]
    out: dict[str, Any] = {"resourceType": "Practitioner"}
    if person.identifier:
        out["identifier"] = [identifier(person.identifier, person.id_type, person.authority)]
    if name:
        name["text"] = person.name
        out["name"] = [name]
    return out


def signer_practitioner(export: CaseExport) -> dict[str, Any]:
    """The signing pathologist: the name as it stood at signing (an account keeps one
    display name, so it goes whole as the text, never guessed into family and given),
    the account, and their provider identifier when the account holds one."""
    idents = [{"system": system("user"), "value": export.signed_by}]
    if export.signer_id:
        kind = export.signer_id_type or export.site.provider_id_type
        idents.insert(0, identifier(export.signer_id, kind))
    return {
        "resourceType": "Practitioner",
        "identifier": idents,
        "name": [{"text": export.signer_name or export.signed_by}],
    }


def _type_codes(ident: Mapping[str, Any]) -> list[str]:
    codings = (ident.get("type") or {}).get("coding") or []
    return [str(c.get("code") or "") for c in codings if c.get("system") == V2_0203]


def _chosen(idents: Sequence[Mapping[str, Any]], id_type: str) -> Mapping[str, Any] | None:
    """The identifier of the site's type (``id_type``, an NPI also by its system), else
    the first one with a value: as HL7 XCN repetitions are chosen."""
    usable = [i for i in idents if i.get("value")]
    wanted = id_type.strip().upper()
    for ident in usable if wanted else ():
        if wanted in _type_codes(ident) or (wanted == "NPI" and ident.get("system") == NPI_SYSTEM):
            return ident
    return usable[0] if usable else None


def provider_from(resource: Mapping[str, Any], id_type: str = "") -> Provider:
    """A Practitioner (or PractitionerRole's practitioner, resolved by the caller) as the
    ``Provider`` an order keeps: official name parts and the chosen identifier."""
    names = [n for n in resource.get("name") or [] if isinstance(n, Mapping)]
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    family = str(name.get("family") or "")
    given = " ".join(str(g) for g in name.get("given") or [] if g)
    if not (family or given) and name.get("text"):
        family = str(name["text"])  # a name sent only as text is kept whole
    prefix = " ".join(str(p) for p in name.get("prefix") or [] if p)
    chosen = _chosen(resource.get("identifier") or [], id_type)
    if chosen is None:
        return Provider(family_name=family, given_name=given, prefix=prefix)
    codes = _type_codes(chosen)
    ident_system = str(chosen.get("system") or "")
    kind = codes[0] if codes else ("NPI" if ident_system == NPI_SYSTEM else "")
    authority = ident_system or str((chosen.get("assigner") or {}).get("display") or "")
    return Provider(
        identifier=str(chosen["value"]),
        family_name=family,
        given_name=given,
        prefix=prefix,
        id_type=kind,
        authority="NPI" if ident_system == NPI_SYSTEM else authority,
    )
