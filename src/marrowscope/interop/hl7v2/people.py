"""The people of the ORU^R01: the ordering provider (OBR-16, XCN) and the principal result
interpreter (OBR-32, NDL), each a person with an identifier rather than a free-text name.

An EHR files the result against its own clinicians: the orderer goes back exactly as it
sent them (identifier, name parts, authority, type), and the pathologist who signed goes
out with their provider identifier when their account holds one. OBR-32's name is a CNN,
which has no identifier-type component: the type (e.g. NPI) travels as its assigning
authority (CNN.9), the part a receiver reads to know whose number it is.
"""

from __future__ import annotations

from marrowscope.domain.pathway.order_origin import OrderOrigin
from marrowscope.interop.codes import CaseExport
from marrowscope.interop.hl7v2.er7 import escape

__all__ = ["interpreter", "orderer"]


def _authority(authority: str, sub: str) -> str:
    """An assigning authority (HD) inside a composite: a namespace as its first part, a
    URI (a FHIR system) as its universal id of type URI, parts split by ``sub``."""
    if authority.startswith(("http://", "https://", "urn:")):
        return sub.join(("", escape(authority), "URI"))
    return escape(authority)


def orderer(origin: OrderOrigin | None, ordered_by: str) -> str:
    """OBR-16 as an XCN: the EHR's provider with identifier, authority and type; an order
    made in the app names its orderer in the family-name component, never in the ID."""
    person = origin.orderer if origin is not None else None
    if person is None:
        return f"^{escape(ordered_by)}" if ordered_by else ""
    parts = [escape(p) for p in (person.identifier, person.family_name, person.given_name)]
    parts += ["", "", escape(person.prefix), "", "", _authority(person.authority, "&")]
    parts += ["", "", "", escape(person.id_type)]
    return "^".join(parts).rstrip("^")


def interpreter(export: CaseExport) -> str:
    """OBR-32 as an NDL whose name (CNN) is the signer: their provider identifier when
    the account holds one, the name as it stood at signing (an account keeps one display
    name, so it goes whole in the family-name part rather than guessed apart) and the
    identifier's type as the authority; without a signer, empty."""
    if not export.signed_by:
        return ""
    name = export.signer_name or export.signed_by
    kind = (export.signer_id_type or export.site.provider_id_type) if export.signer_id else ""
    parts = [escape(export.signer_id), escape(name), *[""] * 6, escape(kind)]
    return "&".join(parts).rstrip("&")
