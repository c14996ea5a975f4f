"""The patient portal (issue 18, section 5): local time, preparation only before the
procedure, the care team's number where the text says to call, no check-in without a
procedure, and a refused check-in that comes back with what was typed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds
from marrowscope.web.pathway.portal_text import paragraphs, with_phone
from tests.integration.api_support import csrf_token, demo_web

PHONE = "01632 960 123"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds]]:
    with demo_web(
        tmp_path_factory.mktemp("portal"), timezone="America/New_York", care_team_phone=PHONE
    ) as web:
        yield web


_sign_in = csrf_token


def test_after_the_procedure_the_portal_shows_the_date_in_local_time_not_preparation(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    _sign_in(client, "patient")

    page = client.get(f"/patient/{ids.patient_id}").text

    assert 'id="examination-done"' in page
    assert re.search(r"took place on \w{3} \d+ \w{3} \d{4}, \d\d:\d\d E[SD]T", page)
    assert 'id="preparation"' not in page and "Do not eat" not in page
    assert "UTC" not in page


def test_the_care_team_number_is_shown_wherever_the_text_says_to_call(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    _sign_in(client, "patient")

    page = client.get(f"/patient/{ids.patient_id}").text

    says_call = re.findall(
        r"[^<>]*\b(?:call|contact) the (?:haematology )?team\b[^<>]*", page, re.I
    )
    assert says_call, "the page no longer tells the patient to call"
    for sentence in says_call:
        assert sentence.rstrip().endswith(" on"), sentence  # followed by the number's link
    assert page.count('href="tel:01632960123"') >= 3  # header line, aftercare, "call now"


def test_a_patient_without_a_procedure_gets_no_check_in_form(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    _sign_in(client, "patient2")

    page = client.get(f"/patient/{ids.other_patient_id}")

    assert page.status_code == 200
    assert 'id="check-in-form"' not in page.text
    assert 'id="no-examination"' in page.text


def test_a_refused_temperature_comes_back_by_the_field_with_what_was_typed(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    csrf = _sign_in(client, "patient")

    answer = client.post(
        f"/patient/{ids.patient_id}/check-in",
        data={
            "csrf_token": csrf,
            "symptoms": ["redness", "swelling"],
            "temperature_c": "83",
            "notes": "sore since Tuesday",
        },
        follow_redirects=False,
    )

    assert answer.status_code == 422
    page = answer.text
    assert 'id="temperature_c-error"' in page and "83 °C cannot be right" in page
    assert 'value="83"' in page and 'value="sore since Tuesday"' in page
    assert re.search(r'value="redness" checked', page)
    assert re.search(r'value="swelling" checked', page)
    assert not re.search(r'value="fever" checked', page)


def test_plain_text_becomes_paragraphs_without_its_line_breaks() -> None:
    text = "Your sample has been\nexamined.\n\n- Keep the dressing\n  dry.\n- Call the team."

    html = str(paragraphs(text, phone="020 7946 0000"))

    assert html.startswith("<p>Your sample has been examined.</p><ul><li>Keep the dressing dry.")
    assert 'Call the team on <a class="tel" href="tel:02079460000">020 7946 0000</a>.' in html
    assert "\n" not in html


def test_with_phone_escapes_text_and_does_not_repeat_a_written_number() -> None:
    assert "&lt;b&gt;" in with_phone("<b>call the team</b>", "1")
    written = str(with_phone("Call the haematology team on 020 7946 0000.", "020 7946 0000"))
    assert written.count("020 7946 0000") == 1  # only the link's text: nothing added
    assert written.count("<a ") == 1
    assert str(with_phone("Call the team.", "")) == "Call the team."
