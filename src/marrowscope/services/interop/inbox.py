"""Incoming messages routed by what they are: an HL7 order (OML^O21, ORM^O01) or result
(ORU^R01), a FHIR ServiceRequest or blood count.

Kept apart so that one entry point (the CLI's ``import hl7`` and ``import fhir``) takes
whatever a hospital interface sends, while each use case keeps its own checks. Routing
reads only the header (MSH-9) or ``resourceType``; anything it cannot tell goes to the
result importer, whose ACK then names the problem.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from marrowscope.interop import hl7v2
from marrowscope.services.interop.cbc_import import import_hl7_cbc
from marrowscope.services.interop.hl7 import HL7Import
from marrowscope.services.interop.orders import import_hl7_order
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["import_hl7_message", "is_fhir_order", "is_hl7_order"]


def is_hl7_order(message: str | bytes) -> bool:
    """Whether MSH-9 names an order message (OML^O21 or ORM^O01)."""
    head = message[:1024]
    text = head.decode("latin-1") if isinstance(head, bytes) else head
    first = text.lstrip("\ufeff\x0b").replace("\n", "\r").split("\r", 1)[0]
    if not first.startswith("MSH") or len(first) < 4:
        return False
    fields = first.split(first[3])
    if len(fields) < 9:
        return False
    parts = fields[8].split(first[4] if len(first) > 4 else "^")
    return "^".join(parts[:2]) in hl7v2.ORDER_MESSAGES


def is_fhir_order(text: str) -> bool:
    """Whether the JSON is a ServiceRequest, or a Bundle that holds one."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return False
    if not isinstance(data, Mapping):
        return False
    if data.get("resourceType") == "ServiceRequest":
        return True
    entries = data.get("entry") if data.get("resourceType") == "Bundle" else None
    if not isinstance(entries, list):
        return False
    return any(
        isinstance(e, Mapping)
        and isinstance(e.get("resource"), Mapping)
        and e["resource"].get("resourceType") == "ServiceRequest"
        for e in entries
    )


def import_hl7_message(
    uow: UnitOfWork,
    message: str | bytes,
    *,
    case_id: int | None = None,
    rules: hl7v2.InboundRules | None = None,
    **kwargs: Any,
) -> HL7Import:
    """An order to ``import_hl7_order``, anything else to ``import_hl7_cbc``; an ACK always."""
    if is_hl7_order(message):
        return import_hl7_order(uow, message, rules=rules, **kwargs)
    return import_hl7_cbc(uow, message, case_id=case_id, rules=rules, **kwargs)
