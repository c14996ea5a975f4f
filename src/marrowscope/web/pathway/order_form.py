"""The order set on the clinician's order form: the items, which indications tick each
by default, and how the form's ticks are read.

The page ticks the defaults of the indications chosen as they are chosen
(``static/order_set.js``) and then sends ``tests_set=chosen``: what is ticked is the
clinician's choice, and nothing ticked is refused. Without the script the page cannot
follow the indications, so it sends ``tests_set=defaults``: ticks are still taken as
chosen, and none ticked orders the indications' defaults (the order says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from marrowscope.domain.pathway.indication import Indication
from marrowscope.domain.pathway.order_set import OrderItem, default_items, item_label
from marrowscope.services.cases import codec

__all__ = ["ItemOption", "OrderedTests", "item_options", "ordered_tests", "tests_from_form"]


@dataclass(frozen=True, slots=True)
class ItemOption:
    """One checkbox of the order set and the indications that tick it by default."""

    value: str
    label: str
    default_for: str  # indication values, space-separated, for the page's script


def item_options() -> list[ItemOption]:
    """Every order set item in catalogue order with the indications defaulting to it."""
    return [
        ItemOption(
            item.value,
            item_label(item),
            " ".join(i.value for i in Indication if item in default_items([i.value])),
        )
        for item in OrderItem
    ]


def tests_from_form(form: FormData) -> list[str] | None:
    """The ticked items, or None (the indications' defaults) when nothing is ticked on a
    page whose script did not run."""
    ticked = [str(v) for v in form.getlist("tests")]
    if not ticked and str(form.get("tests_set", "")) != "chosen":
        return None
    return ticked


@dataclass(frozen=True, slots=True)
class OrderedTests:
    """What an order asks for, in words, and how the tests were chosen."""

    labels: list[str]
    basis: str
    values: list[str]


def ordered_tests(payload: Mapping[str, Any] | None) -> OrderedTests | None:
    """The tests of a stored order (None without an order)."""
    if payload is None:
        return None
    order = codec.order_from(payload)
    return OrderedTests(
        [item_label(i) for i in order.tests], order.tests_basis, [i.value for i in order.tests]
    )
