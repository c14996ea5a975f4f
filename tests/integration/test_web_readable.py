"""Screens people can read (issue 18, section 4): the blood count with names, units,
intervals and critical values; a refused value kept by its field on the same page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds
from tests.integration.api_support import csrf_token, demo_web


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds]]:
    with demo_web(tmp_path_factory.mktemp("readable")) as web:
        yield web


_sign_in = csrf_token


def _row(page: str, name: str) -> str:
    found = re.search(
        rf'<tr class="([^"]*)" data-analyte="\w+"><th scope="row">{name}</th>(.*?)</tr>', page
    )
    assert found, f"no row for {name}"
    return found.group(1) + "|" + re.sub(r"<[^>]+>", " ", found.group(2))


def test_the_demo_count_reads_in_names_and_units_with_no_raw_keys(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    _sign_in(client, "clinician")

    page = client.get(f"/clinician/cases/{ids.case_id}").text

    hb = _row(page, "Haemoglobin")
    assert hb.startswith("abnormal|") and " 92 " in hb and "g/L" in hb and "Low" in hb
    assert "×10⁹/L" in _row(page, "Platelets")
    assert "<td>hb</td>" not in page and "blasts_percent</td>" not in page
    assert "92.0" not in page


def test_critical_neutrophils_and_platelets_are_highlighted_and_named(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    csrf = _sign_in(client, "clinician")

    answer = client.post(
        f"/clinician/cases/{ids.case_id}/cbc",
        data={
            "csrf_token": csrf,
            "value_neutrophils": "0.4",
            "unit_neutrophils": "x10^9/L",
            "value_wbc": "1.2",
            "unit_wbc": "x10^9/L",
            "value_platelets": "19",
            "unit_platelets": "x10^9/L",
            "value_hb": "135",
            "unit_hb": "g/L",
        },
    )

    page = answer.text
    assert answer.status_code == 200
    assert _row(page, "Neutrophils").startswith("critical|")
    assert "Critical: below 0.5 ×10⁹/L" in _row(page, "Neutrophils")
    assert "Critical: below 20 ×10⁹/L" in _row(page, "Platelets")
    normal = _row(page, "Haemoglobin")
    assert normal.startswith("|") and "Low" not in normal and "Critical" not in normal


def test_a_refused_value_is_shown_by_its_field_keeping_every_value_typed(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    csrf = _sign_in(client, "clinician")

    answer = client.post(
        f"/clinician/cases/{ids.case_id}/cbc",
        data={
            "csrf_token": csrf,
            "value_hb": "900",
            "unit_hb": "g/dL",
            "value_platelets": "4x",
            "unit_platelets": "x10^9/L",
            "value_mcv": "101",
            "unit_mcv": "fL",
        },
    )

    page = answer.text
    assert answer.status_code == 422
    assert 'id="cbc-form"' in page  # the same page, not the error page
    assert re.search(r'id="error_platelets">“4x” is not a number', page)
    assert 'value="101"' in page and 'value="900"' in page
    assert re.search(r'<option value="g/dL" selected>', page)
