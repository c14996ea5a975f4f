"""An order for a bone marrow examination, as read from HL7 OML/ORM or a FHIR ServiceRequest.

Both readers produce one ``OrderImport`` so that the use case (``services.interop``)
files either the same way. The codes that count as a marrow examination and the
priorities that count as urgent are in ``domain/tables/order_catalogue.toml``; reasons
for the examination are matched to the indications of ``indications.toml`` by code or
label, and a reason that matches none is kept as 'other' with its text in the clinical
details, so that nothing a clinician wrote is dropped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from marrowscope.domain.errors import InvalidMessage
from marrowscope.domain.pathway.indication import Indication, indication_label
from marrowscope.domain.pathway.order_origin import CodedDiagnosis, OrderOrigin
from marrowscope.domain.tables import load_table
from marrowscope.interop.codes import PatientIdentity, system
from marrowscope.interop.diagnoses import coded_diagnosis

__all__ = [
    "OrderImport",
    "Reason",
    "accepted_codes",
    "diagnoses_from",
    "indications_from",
    "is_accepted_order",
    "urgency_from_fhir",
    "urgency_from_hl7",
]

_TABLE = load_table("order_catalogue")


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for the examination as sent: a code, its coding system and its text."""

    code: str = ""
    text: str = ""
    system: str = ""


@dataclass(frozen=True, slots=True)
class OrderImport:
    """A new order read from a message, not yet checked against the database."""

    sender: str  # HL7 MSH-3^MSH-4; FHIR: the identifier system of the order
    control_id: str  # HL7 MSH-10; FHIR: the order identifier (a resend is the same)
    message_type: str  # OML^O21, ORM^O01 or ServiceRequest
    placer_order: str  # ORC-2 / OBR-2 / ServiceRequest.identifier
    patient_mrn: str
    identity: PatientIdentity
    indications: tuple[str, ...]
    clinical_details: str
    urgency: str  # routine or urgent
    ordered_at: datetime | None = None
    requester: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    # what an order from an EHR adds: the order control (HL7 ORC-1: NW new, CA cancel,
    # DC discontinue, XO change; FHIR: NW), the hospital's numbers, provider and coded
    # diagnoses, the HL7 version it came in (its answer goes back in the same one) and
    # the digest of the whole message (a reused control id with other content is refused)
    control: str = "NW"
    origin: OrderOrigin | None = None
    version: str = ""
    digest: str = ""
    # where the EHR placed the order: HL7 PV1-3.1 (point of care), FHIR Location; the
    # use case maps it to the case's ward (``AccessPolicy.ward_for_location``)
    location: str = ""


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join("".join(c if c.isalnum() else " " for c in plain.casefold()).split())


_BY_KEY = {_fold(i.value): i for i in Indication} | {
    _fold(indication_label(i)): i for i in Indication
}


def is_accepted_order(code: str, coding_system: str, *, fhir: bool) -> bool:
    """Whether ``code`` in ``coding_system`` orders a marrow examination (the catalogue)."""
    for row in _TABLE["accepted"]:
        if code.strip().upper() != str(row["code"]).upper():
            continue
        if fhir and coding_system == system(str(row["system"])):
            return True
        if not fhir and coding_system.strip().upper() in row["hl7_systems"]:
            return True
    return False


def accepted_codes() -> list[str]:
    """The accepted order codes, for an error message that says what to send."""
    return [str(row["code"]) for row in _TABLE["accepted"]]


def indications_from(reasons: Iterable[Reason], where: str) -> tuple[tuple[str, ...], str]:
    """Indications matched by code or label, and the text of reasons matched by neither.

    An unmatched reason becomes 'other' with its text returned for the clinical details;
    no reason at all is refused: an examination needs its indication (ICSH 2008).
    """
    found: list[str] = []
    unmatched: list[str] = []
    for reason in reasons:
        coded = coded_diagnosis(reason.code, reason.text, reason.system)
        if coded is not None:
            if coded.indication:
                found.append(coded.indication)
            else:  # an ICD-10 code the table leaves unmapped: kept, with its code
                unmatched.append(f"{coded.text} (ICD-10 {coded.code})".lstrip())
            continue
        match = _BY_KEY.get(_fold(reason.code)) or _BY_KEY.get(_fold(reason.text))
        if match is not None:
            found.append(match.value)
        elif reason.text.strip() or reason.code.strip():
            unmatched.append(reason.text.strip() or reason.code.strip())
    if unmatched:
        found.append(Indication.OTHER.value)
    if not found:
        raise InvalidMessage(
            f"{where}: the order names no indication for the examination", code="101"
        )
    return tuple(dict.fromkeys(found)), "; ".join(unmatched)


def diagnoses_from(reasons: Iterable[Reason]) -> tuple[CodedDiagnosis, ...]:
    """The ICD-10 coded reasons, each with its code, text and mapped indication."""
    coded = (coded_diagnosis(r.code, r.text, r.system) for r in reasons)
    return tuple(dict.fromkeys(c for c in coded if c is not None))


def urgency_from_hl7(priorities: Sequence[str]) -> str:
    """'urgent' when any HL7 priority sent (table 0027) asks for it, else 'routine'."""
    urgent = set(_TABLE["priority"]["urgent_hl7"])
    return "urgent" if any(p.strip().upper() in urgent for p in priorities) else "routine"


def urgency_from_fhir(priority: str) -> str:
    """'urgent' for FHIR priority urgent, asap or stat; else 'routine'."""
    return "urgent" if priority in _TABLE["priority"]["urgent_fhir"] else "routine"
