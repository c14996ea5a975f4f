"""Why a marrow is examined: suggested indications from the blood count, and the order.

Suggestions are worded "consider bone marrow examination: ..." for the requesting
clinician to accept or not; the clinician's order names the indication(s) chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway.cbc import CbcFlag, Direction
from marrowscope.domain.pathway.order_origin import OrderOrigin
from marrowscope.domain.pathway.order_set import (
    OrderItem,
    default_items,
    items_for_service,
    parse_items,
)
from marrowscope.domain.tables import load_table

__all__ = [
    "ExamOrder",
    "Indication",
    "IndicationSuggestion",
    "Urgency",
    "indication_label",
    "make_order",
    "suggest_indications",
]

_TABLE = load_table("indications")


class Indication(StrEnum):
    """Indications for bone marrow examination (ICSH 2008, Table 1)."""

    UNEXPLAINED_CYTOPENIA = "unexplained_cytopenia"
    PANCYTOPENIA = "pancytopenia"
    BLASTS_IN_BLOOD = "blasts_in_blood"
    UNEXPLAINED_CYTOSIS = "unexplained_cytosis"
    LYMPHOMA_STAGING = "lymphoma_staging"
    FEVER_UNKNOWN_ORIGIN = "fever_unknown_origin"
    TREATMENT_MONITORING = "treatment_monitoring"
    PARAPROTEIN = "paraprotein"
    SPLENOMEGALY = "splenomegaly"
    STORAGE_OR_INFILTRATION = "storage_or_infiltration"
    OTHER = "other"


class Urgency(StrEnum):
    """How soon the examination is needed."""

    ROUTINE = "routine"
    URGENT = "urgent"


def indication_label(indication: Indication) -> str:
    """The plain label of an indication."""
    return str(_TABLE["indications"][indication.value]["label"])


@dataclass(frozen=True, slots=True)
class IndicationSuggestion:
    """A reason, found in the count, to consider a marrow examination."""

    indication: Indication
    reason: str
    source: str

    @property
    def text(self) -> str:
        return (
            f"Consider bone marrow examination: {indication_label(self.indication)} ({self.reason})"
        )


def suggest_indications(flags: Iterable[CbcFlag]) -> list[IndicationSuggestion]:
    """Indications suggested by the count; an empty list means the count suggests none.

    Cytopenias are counted over Hb, neutrophils and platelets; two or more make
    bi-/pancytopenia. Any blast in the blood is an indication on its own.
    """
    by_key = {f.analyte: f for f in flags}
    out: list[IndicationSuggestion] = []
    rows = _TABLE["indications"]

    def add(indication: Indication, reason: str) -> None:
        out.append(IndicationSuggestion(indication, reason, rows[indication.value]["source"]))

    cytopenic = [
        by_key[k]
        for k in _TABLE["cytopenia"]["analytes"]
        if k in by_key and by_key[k].direction is Direction.LOW
    ]
    if len(cytopenic) >= 2:
        add(Indication.PANCYTOPENIA, "; ".join(f.text for f in cytopenic))
    elif cytopenic:
        add(Indication.UNEXPLAINED_CYTOPENIA, cytopenic[0].text)
    blasts = by_key.get("blasts_percent")
    if blasts is not None and blasts.value > 0:
        add(Indication.BLASTS_IN_BLOOD, blasts.text)
    high = [
        by_key[k]
        for k in ("wbc", "platelets", "hb")
        if k in by_key and by_key[k].direction is Direction.HIGH
    ]
    if high:
        add(Indication.UNEXPLAINED_CYTOSIS, "; ".join(f.text for f in high))
    return out


@dataclass(frozen=True, slots=True)
class ExamOrder:
    """The clinician's request for a bone marrow examination."""

    indications: tuple[Indication, ...]
    clinical_details: str
    urgency: Urgency
    ordered_by: str
    ordered_at: datetime
    # the hospital's numbers, provider and coded diagnoses of an order sent by its
    # systems (HL7, FHIR); None for an order made in the app
    origin: OrderOrigin | None = None
    # the tests ordered (order set items) and how they were chosen, in words: by the
    # clinician, the indication's defaults, or mapped from another system's order code
    tests: tuple[OrderItem, ...] = ()
    tests_basis: str = ""


def make_order(
    indications: Sequence[Indication | str],
    clinical_details: str,
    urgency: Urgency | str,
    *,
    ordered_by: str,
    ordered_at: datetime,
    origin: OrderOrigin | None = None,
    tests: Sequence[OrderItem | str] | None = None,
) -> ExamOrder:
    """An order with at least one indication; 'other' needs clinical details.

    ``tests`` are the order set's items as the clinician chose them (at least one);
    ``None`` takes, for an order from another system, what its order code maps to in the
    catalogue, else the indications' local defaults, and says which in ``tests_basis``.
    """
    if not indications:
        raise InvalidInput("indications: name at least one indication for the examination")
    try:
        chosen = tuple(dict.fromkeys(Indication(i) for i in indications))
        level = Urgency(urgency)
    except ValueError as error:
        raise InvalidInput(f"indications/urgency: {error}") from error
    details = clinical_details.strip()
    if Indication.OTHER in chosen and not details:
        raise InvalidInput("clinical_details: required when the indication is 'other'")
    items, basis = _order_set(chosen, tests, origin)
    return ExamOrder(chosen, details, level, ordered_by, ordered_at, origin, items, basis)


def _order_set(
    indications: tuple[Indication, ...],
    tests: Sequence[OrderItem | str] | None,
    origin: OrderOrigin | None,
) -> tuple[tuple[OrderItem, ...], str]:
    if tests is not None:
        return parse_items(tests), "chosen by the clinician"
    if origin is not None and origin.service_code:
        mapped = items_for_service(origin.service_code)
        if mapped is not None:
            return mapped, f"mapped from the order code {origin.service_code}"
        return default_items(indications), (
            f"the indication's local defaults: the order code {origin.service_code} "
            "names no test set"
        )
    return default_items(indications), "the indication's local defaults"
