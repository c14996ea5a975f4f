"""The order says what to do, in a real browser: the order form ticks the laboratory's
defaults as the indication is chosen and keeps the clinician's changes; the nurse's form
shows per tube only the ordered tests it can carry; the laboratory sees the tube on its
way under "Ordered, not yet received"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from marrowscope.bootstrap import Settings, build_engine, build_uow_factory
from marrowscope.domain.lab import SpecimenKind
from marrowscope.domain.pathway.order_set import (
    OrderItem,
    default_items,
    item_label,
    ordered_per_tube,
)
from marrowscope.services.cases import open_case
from tests.e2e.test_web_repeat_marrow import _assess_and_operate
from tests.e2e.test_web_reporting import CLINICIAN
from tests.e2e.web_support import LiveApp, screenshot, serve, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """A server of its own: this walk adds a case to the second demo patient."""
    with serve(tmp_path_factory.mktemp("orderset")) as running:
        yield running


def _ticked(page: Any) -> set[str]:
    return set(
        page.locator("#order-form-tests input[name=tests]:checked").evaluate_all(
            "boxes => boxes.map(b => b.value)"
        )
    )


def _shown_tests(page: Any) -> set[str]:
    return set(
        page.locator("#specimen-form-tests label[data-kinds]:visible input").evaluate_all(
            "boxes => boxes.map(b => b.value)"
        )
    )


def test_ordered_tests_follow_the_indication_reach_the_tube_and_the_lab(
    page: Any, app: LiveApp
) -> None:
    factory = build_uow_factory(build_engine(Settings(database_url=app.database_url)))
    with factory() as uow:
        case_id = open_case(uow, CLINICIAN, app.demo.other_patient_id).id
    chosen = {OrderItem.ASPIRATE_MORPHOLOGY, OrderItem.MRD, OrderItem.CULTURE}

    sign_in(page, app, "clinician")
    page.goto(f"{app.url}/clinician/cases/{case_id}")
    assert _ticked(page) == set()
    page.check("#order-form-indications input[value=treatment_monitoring]")
    defaults = _ticked(page)
    page.uncheck("#order-form-tests input[value=flow]")
    page.check("#order-form-tests input[value=culture]")
    page.check("#order-form-indications input[value=fever_unknown_origin]")  # ticks now kept
    kept = _ticked(page)
    page.fill("#order-form-clinical_details", "Remission marrow; fevers.")
    page.click("#order-form button[type=submit]")
    shown = page.inner_text("#order-tests")

    assert defaults == {i.value for i in default_items(["treatment_monitoring"])}
    assert kept == {i.value for i in chosen}
    assert "chosen by the clinician" in shown
    assert all(item_label(i) in shown for i in chosen)

    with factory() as uow:
        _assess_and_operate(uow, case_id)
    sign_in(page, app, "nurse")
    page.goto(f"{app.url}/nursing/cases/{case_id}")
    per_tube = ordered_per_tube(chosen)
    offered = {}
    for kind in per_tube:
        page.select_option("#specimen-form select[name=kind]", kind.value)
        offered[kind] = _shown_tests(page)
    page.select_option("#specimen-form select[name=kind]", SpecimenKind.ASPIRATE_EDTA.value)
    page.check("#specimen-form-tests input[value=mrd]")
    page.click("#specimen-form button[type=submit]")

    assert offered == {k: {t.value for t in tests} for k, tests in per_tube.items()}
    assert "/labels" in page.url, page.content()

    sign_in(page, app, "lab")
    page.goto(f"{app.url}/lab")
    rows = page.locator("#awaited-tests tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText))"
    )
    mine = [(row[1], row[2]) for row in rows if row[0] == str(case_id)]
    screenshot(page, "lab-awaited")

    assert mine == [
        (item_label(OrderItem.ASPIRATE_MORPHOLOGY), "no specimen registered yet"),
        (item_label(OrderItem.MRD), "collected, on its way"),
        (item_label(OrderItem.CULTURE), "no specimen registered yet"),
    ]
