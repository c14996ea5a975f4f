"""The nurse's specimen form offers exactly what the order asks for, tube by tube.

Built from the case's current order (``domain.pathway.order_set``): the kinds of tube
that can carry an ordered test, and for each ordered test the tubes it may go in, so
the page can show per tube what to tick (``static/specimen_tests.js`` hides the
others). The use case refuses anything else, so the page is a help, not the guard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marrowscope.domain.display_names import label_of
from marrowscope.domain.lab import SpecimenKind, TestType
from marrowscope.domain.pathway.order_set import ordered_per_tube
from marrowscope.services.cases import codec

__all__ = ["SpecimenChoices", "TestChoice", "specimen_choices"]


@dataclass(frozen=True, slots=True)
class TestChoice:
    """One ordered test and the tubes (kind values, space-separated) that can carry it."""

    __test__ = False  # not a pytest test class despite the name

    value: str
    label: str
    kinds: str


@dataclass(frozen=True, slots=True)
class SpecimenChoices:
    """The tube kinds offered, the ordered tests, and per tube the tests it may carry."""

    kinds: list[tuple[str, str]]
    tests: list[TestChoice]
    per_tube: list[tuple[str, list[str]]]


def specimen_choices(order_payload: Mapping[str, Any] | None) -> SpecimenChoices:
    """What the form offers for the case's order; nothing without an order."""
    if order_payload is None:
        return SpecimenChoices([], [], [])
    by_tube = ordered_per_tube(codec.order_from(order_payload).tests)
    ordered: dict[TestType, list[SpecimenKind]] = {}
    for kind, tests in by_tube.items():
        for test in tests:
            ordered.setdefault(test, []).append(kind)
    return SpecimenChoices(
        kinds=[(k.value, label_of(k)) for k in by_tube],
        tests=[
            TestChoice(t.value, label_of(t), " ".join(k.value for k in kinds))
            for t, kinds in ordered.items()
        ],
        per_tube=[(label_of(k), [label_of(t) for t in tests]) for k, tests in by_tube.items()],
    )
