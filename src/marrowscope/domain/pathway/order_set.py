"""The tests ordered with an examination: the order set, its defaults, and what each tube
may carry.

The clinician orders items (aspirate morphology, trephine, flow...) rather than single
laboratory tests, as an order form reads; each item names the laboratory tests it asks
for (``order_catalogue.toml``). The form starts from the laboratory's local defaults for
the indications chosen and the clinician changes them. The nurse may then register on a
tube only tests that were ordered and that the tube can carry, and a tube with no test is
refused: a specimen nobody asked for would be received, stored and never worked on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.lab import (
    LabTest,
    SpecimenKind,
    TestState,
    TestType,
    check_test_fits_specimen,
)
from marrowscope.domain.tables import load_table

__all__ = [
    "AwaitedTest",
    "OrderItem",
    "awaited_tests",
    "check_specimen_tests",
    "default_items",
    "item_label",
    "item_tests",
    "items_for_service",
    "parse_items",
    "ordered_per_tube",
]

_TABLE = load_table("order_catalogue")


class OrderItem(StrEnum):
    """One line of the order form (``order_catalogue.toml`` [items])."""

    ASPIRATE_MORPHOLOGY = "aspirate_morphology"
    TREPHINE = "trephine"
    FLOW = "flow"
    KARYOTYPE = "karyotype"
    FISH_PANEL = "fish_panel"
    MOLECULAR_PANEL = "molecular_panel"
    MRD = "mrd"
    CULTURE = "culture"


def item_label(item: OrderItem) -> str:
    """The words the order form shows for an item."""
    return str(_TABLE["items"][item.value]["label"])


def item_tests(items: Iterable[OrderItem]) -> tuple[TestType, ...]:
    """The laboratory tests the items ask for, in catalogue order, each once."""
    chosen = set(items)
    return tuple(
        dict.fromkeys(
            TestType(t)
            for item in OrderItem
            if item in chosen
            for t in _TABLE["items"][item]["tests"]
        )
    )


def default_items(indications: Iterable[str]) -> tuple[OrderItem, ...]:
    """The items ticked by default for these indications (``Indication`` values): the
    union of each one's local defaults (``order_catalogue.toml`` [defaults]), in
    catalogue order."""
    wanted = {OrderItem(i) for ind in indications for i in _TABLE["defaults"][str(ind)]["items"]}
    return tuple(i for i in OrderItem if i in wanted)


def parse_items(values: Iterable[OrderItem | str]) -> tuple[OrderItem, ...]:
    """Items as typed (form values, JSON), refused when none or one is not in the catalogue."""
    try:
        chosen = {OrderItem(str(v).strip()) for v in values}
    except ValueError:
        known = ", ".join(i.value for i in OrderItem)
        raise InvalidInput(f"tests: order items are {known}") from None
    if not chosen:
        raise InvalidInput("tests: order at least one test for the examination")
    return tuple(i for i in OrderItem if i in chosen)


def items_for_service(code: str, system: str = "") -> tuple[OrderItem, ...] | None:
    """The items an order code from another system asks for (HL7 OBR-4, FHIR
    ServiceRequest.code), or None when the catalogue maps that code to no test set.

    ``system`` is the catalogue's key (``loinc``, ``procedure``) or '' to match the code
    alone.
    """
    for row in _TABLE["accepted"]:
        if row["code"] == code and (not system or row["system"] == system) and "items" in row:
            return parse_items(row["items"])
    return None


def ordered_per_tube(items: Iterable[OrderItem]) -> dict[SpecimenKind, tuple[TestType, ...]]:
    """For each kind of tube, the ordered tests it can carry; kinds that carry none are
    left out, so a form built from this offers exactly what was ordered."""
    ordered = item_tests(items)
    out: dict[SpecimenKind, tuple[TestType, ...]] = {}
    for kind in SpecimenKind:
        fits = tuple(t for t in ordered if _fits(t, kind))
        if fits:
            out[kind] = fits
    return out


def _fits(test: TestType, kind: SpecimenKind) -> bool:
    try:
        check_test_fits_specimen(test, kind)
    except InvalidInput:
        return False
    return True


def check_specimen_tests(
    items: Iterable[OrderItem], kind: SpecimenKind, tests: Sequence[TestType]
) -> None:
    """Refuse a tube with no test, or with a test that was not ordered or that it cannot
    carry; each message names what the tube may carry instead."""
    offered = ordered_per_tube(items).get(kind, ())
    names = ", ".join(t.value for t in offered) or "none of the ordered tests"
    if not tests:
        raise InvalidInput(
            f"tests: tick the tests this {kind.value} goes to (ordered and possible: {names})"
        )
    for test in tests:
        check_test_fits_specimen(test, kind)
        if test not in offered:
            raise InvalidInput(
                f"tests: {test.value} was not ordered for this case; the clinician adds it to "
                f"the order first (this {kind.value} may carry: {names})"
            )


_RECEIVED = frozenset(
    {TestState.RECEIVED, TestState.IN_PROCESS, TestState.RESULTED, TestState.VERIFIED}
)


@dataclass(frozen=True, slots=True)
class AwaitedTest:
    """An ordered item the laboratory has received no specimen for yet; ``collected``
    tells whether a tube carrying it is on its way (registered, not yet scanned in)."""

    case_id: int
    item: OrderItem
    collected: bool

    @property
    def label(self) -> str:
        return item_label(self.item)


def awaited_tests(
    case_id: int, items: Iterable[OrderItem], tests: Iterable[LabTest]
) -> list[AwaitedTest]:
    """Ordered items of one case none of whose tests has been received.

    An item counts as received once any of its tests is (the trephine's
    immunohistochemistry is often added later, on the same block). A test that was
    rejected or cancelled does not count: the order still waits for a specimen that can
    be worked on.
    """
    held = list(tests)
    chosen = set(items)
    out = []
    for item in (i for i in OrderItem if i in chosen):
        mine = [t for t in held if t.test_type in item_tests([item])]
        if any(t.state in _RECEIVED for t in mine):
            continue
        collected = any(t.state in (TestState.ORDERED, TestState.COLLECTED) for t in mine)
        out.append(AwaitedTest(case_id, item, collected))
    return out
