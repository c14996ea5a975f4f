"""Where an order placed in another system came from: the numbers, the people, the codes.

A result closes the hospital's order only when it carries that order's own number
(the placer number, e.g. ``E1047283`` in namespace ``EPC``) and ours (the filler
number); the ordering provider is a person with an identifier (an NPI or the site's
type), not a free-text name; and a diagnosis sent as an ICD-10 code stays a code with
its text, so that nothing the EHR coded is flattened into words. An order made in the
app has no origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marrowscope.domain.errors import InvalidInput

__all__ = ["CodedDiagnosis", "OrderOrigin", "Provider", "origin_from"]


@dataclass(frozen=True, slots=True)
class Provider:
    """A clinician as another system names them (HL7 XCN, FHIR Practitioner)."""

    identifier: str = ""
    family_name: str = ""
    given_name: str = ""
    prefix: str = ""
    id_type: str = ""  # HL7 table 0203: NPI, PRN, DN...; '' when the sender gave none
    authority: str = ""  # who issued the identifier: NPI, a hospital namespace

    @property
    def name(self) -> str:
        """'Dr Ann Smith'; '' when no name was sent."""
        return " ".join(p for p in (self.prefix, self.given_name, self.family_name) if p)

    @property
    def display(self) -> str:
        """'Dr Ann Smith (1234567890)', as the order's ``ordered_by`` shows the person."""
        if self.name and self.identifier:
            return f"{self.name} ({self.identifier})"
        return self.name or self.identifier

    @property
    def is_empty(self) -> bool:
        return not (self.identifier or self.family_name or self.given_name)


@dataclass(frozen=True, slots=True)
class CodedDiagnosis:
    """A diagnosis as coded by the sender, and the indication it maps to ('' unmapped)."""

    system: str  # the coding system as sent: I10, ICD10CM, a FHIR system URI...
    code: str
    text: str = ""
    indication: str = ""


@dataclass(frozen=True, slots=True)
class OrderOrigin:
    """The hospital's side of an order: its numbers, the service asked for, who asked, why."""

    placer_number: str
    placer_namespace: str = ""
    filler_number: str = ""  # ours, given when the order is filed (the case number)
    service_code: str = ""  # OBR-4 / ServiceRequest.code as sent, echoed in the result
    service_text: str = ""
    service_system: str = ""
    orderer: Provider | None = None
    diagnoses: tuple[CodedDiagnosis, ...] = field(default_factory=tuple)
    sender: str = ""  # MSH-3^MSH-4, or the FHIR identifier system

    def __post_init__(self) -> None:
        if not self.placer_number.strip():
            raise InvalidInput("placer order number: an order from another system needs it")


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def origin_from(data: Any) -> OrderOrigin | None:
    """The origin stored with an order (its JSON form), None for an order made in the app."""
    if not isinstance(data, dict):
        return None
    orderer = data.get("orderer")
    return OrderOrigin(
        placer_number=_text(data, "placer_number"),
        placer_namespace=_text(data, "placer_namespace"),
        filler_number=_text(data, "filler_number"),
        service_code=_text(data, "service_code"),
        service_text=_text(data, "service_text"),
        service_system=_text(data, "service_system"),
        orderer=Provider(**{k: str(v) for k, v in orderer.items()})
        if isinstance(orderer, dict)
        else None,
        diagnoses=tuple(
            CodedDiagnosis(**{k: str(v) for k, v in d.items()})
            for d in data.get("diagnoses") or []
            if isinstance(d, dict)
        ),
        sender=_text(data, "sender"),
    )
