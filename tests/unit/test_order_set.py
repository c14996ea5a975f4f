"""The order set: defaults per indication, what a tube may carry, what is still awaited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.lab import LabTest, SpecimenKind, TestState, TestType
from marrowscope.domain.lab.specimen import check_test_fits_specimen
from marrowscope.domain.pathway.indication import Indication, make_order
from marrowscope.domain.pathway.order_origin import OrderOrigin
from marrowscope.domain.pathway.order_set import (
    OrderItem,
    awaited_tests,
    check_specimen_tests,
    default_items,
    item_tests,
    items_for_service,
    ordered_per_tube,
    parse_items,
)
from marrowscope.domain.tables import load_table
from marrowscope.services.cases import codec

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ITEMS = st.sets(st.sampled_from(list(OrderItem)), min_size=1)


def _fits(test: TestType, kind: SpecimenKind) -> bool:
    try:
        check_test_fits_specimen(test, kind)
    except InvalidInput:
        return False
    return True


def test_every_indication_has_sourced_defaults_that_a_tube_can_carry() -> None:
    table = load_table("order_catalogue")

    for indication in Indication:
        row = table["defaults"][indication.value]
        assert row["source"].startswith("local default"), indication
        assert default_items([indication.value]), indication
    for item in OrderItem:
        assert table["items"][item.value]["source"]
        assert any(_fits(t, k) for t in item_tests([item]) for k in SpecimenKind), item


def test_defaults_of_two_indications_are_the_union_of_each() -> None:
    both = default_items(["treatment_monitoring", "fever_unknown_origin"])

    assert set(both) == set(default_items(["treatment_monitoring"])) | set(
        default_items(["fever_unknown_origin"])
    )
    assert list(both) == sorted(both, key=list(OrderItem).index)


@given(ITEMS)
def test_a_tube_is_offered_exactly_the_ordered_tests_it_can_carry(items: set[OrderItem]) -> None:
    """Invariant: a test is offered on a tube iff it was ordered and the tube carries it."""
    offered = ordered_per_tube(items)
    ordered = set(item_tests(items))

    for kind in SpecimenKind:
        expected = {t for t in ordered if _fits(t, kind)}
        assert set(offered.get(kind, ())) == expected


def test_a_tube_with_no_test_is_refused_naming_what_it_may_carry() -> None:
    with pytest.raises(InvalidInput, match="tests: tick the tests this aspirate_heparin"):
        check_specimen_tests([OrderItem.KARYOTYPE], SpecimenKind.ASPIRATE_HEPARIN, [])


def test_a_test_not_ordered_is_refused_even_on_a_tube_that_could_carry_it() -> None:
    items = [OrderItem.ASPIRATE_MORPHOLOGY, OrderItem.FLOW]

    with pytest.raises(InvalidInput, match="molecular_panel was not ordered"):
        check_specimen_tests(items, SpecimenKind.ASPIRATE_EDTA, [TestType.MOLECULAR_PANEL])
    with pytest.raises(InvalidInput, match="karyotype cannot be done on aspirate_edta"):
        check_specimen_tests(
            [OrderItem.KARYOTYPE], SpecimenKind.ASPIRATE_EDTA, [TestType.KARYOTYPE]
        )
    check_specimen_tests(items, SpecimenKind.ASPIRATE_EDTA, [TestType.FLOW_CYTOMETRY])


def test_order_items_as_typed_are_checked() -> None:
    assert parse_items([" mrd", "flow", "mrd"]) == (OrderItem.FLOW, OrderItem.MRD)
    with pytest.raises(InvalidInput, match="order at least one test"):
        parse_items([])
    with pytest.raises(InvalidInput, match="order items are"):
        parse_items(["cytospin"])


def test_an_order_takes_the_clinicians_choice_or_the_indications_defaults_and_says_which() -> None:
    chosen = make_order(["pancytopenia"], "", "routine", ordered_by="c", ordered_at=NOW,
                        tests=["culture"])  # fmt: skip
    defaulted = make_order(["pancytopenia"], "", "routine", ordered_by="c", ordered_at=NOW)

    assert chosen.tests == (OrderItem.CULTURE,) and "clinician" in chosen.tests_basis
    assert defaulted.tests == default_items(["pancytopenia"])
    assert "defaults" in defaulted.tests_basis
    with pytest.raises(InvalidInput, match="tests"):
        make_order(["pancytopenia"], "", "routine", ordered_by="c", ordered_at=NOW, tests=[])


def test_an_order_from_another_system_maps_its_code_where_the_catalogue_can() -> None:
    mrd = OrderOrigin("E1", service_code="BMMRD")
    whole = OrderOrigin("E2", service_code="BMEXAM")

    mapped = make_order(["treatment_monitoring"], "", "routine", ordered_by="c",
                        ordered_at=NOW, origin=mrd)  # fmt: skip
    unmapped = make_order(["blasts_in_blood"], "", "routine", ordered_by="c",
                          ordered_at=NOW, origin=whole)  # fmt: skip

    assert mapped.tests == items_for_service("BMMRD") and "BMMRD" in mapped.tests_basis
    assert items_for_service("BMEXAM") is None
    assert unmapped.tests == default_items(["blasts_in_blood"])
    assert "BMEXAM names no test set" in unmapped.tests_basis


def test_an_order_stored_before_tests_were_chosen_reads_as_its_defaults() -> None:
    stored = codec.dump(make_order(["lymphoma_staging"], "", "routine", ordered_by="c",
                                   ordered_at=NOW))  # fmt: skip
    del stored["tests"], stored["tests_basis"]

    read = codec.order_from(stored)

    assert read.tests == default_items(["lymphoma_staging"])
    assert "before tests were chosen" in read.tests_basis


def _test(test_type: TestType, state: TestState, test_id: int = 1) -> LabTest:
    return LabTest(test_id, 1, test_type, state, NOW, "nurse")


def test_an_item_is_awaited_until_one_of_its_tests_is_received() -> None:
    items = [OrderItem.ASPIRATE_MORPHOLOGY, OrderItem.TREPHINE, OrderItem.FLOW, OrderItem.MRD]
    held = [
        _test(TestType.IRON_STAIN, TestState.RECEIVED, 1),  # aspirate morphology received
        _test(TestType.TREPHINE_HISTOLOGY, TestState.COLLECTED, 2),  # on its way
        _test(TestType.FLOW_CYTOMETRY, TestState.REJECTED, 3),  # rejected: still awaited
    ]

    waiting = awaited_tests(7, items, held)

    assert [(a.item, a.collected) for a in waiting] == [
        (OrderItem.TREPHINE, True),
        (OrderItem.FLOW, False),
        (OrderItem.MRD, False),
    ]
    assert {a.case_id for a in waiting} == {7}
