"""Staff forms keep what was typed (issue 18, section 4): a refused value comes back on the
same page (422) with its message beside its field; the nursing forms open with what is
saved, or with the blood count's platelets; every case list reads a case the same way."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds
from tests.integration.api_support import csrf_token, demo_web


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds]]:
    with demo_web(tmp_path_factory.mktemp("forms_kept")) as web:
        yield web


_sign_in = csrf_token


def _value(page: str, form: str, name: str) -> str:
    """The value attribute of the input ``name`` in form ``form`` (ids are form-name)."""
    found = re.search(rf'<input[^>]*id="{form}-{name}"[^>]*>', page)
    assert found, f"no input {form}-{name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


def _error(page: str, form: str, name: str) -> str:
    found = re.search(rf'<p class="error field-error" id="{form}-{name}-error">(.*?)</p>', page)
    assert found, f"no error beside {form}-{name}"
    return html.unescape(found.group(1))


def _new_case(client: TestClient, mrn: str, platelets: str | None = "45") -> int:
    csrf = _sign_in(client, "clinician")
    answer = client.post(
        "/clinician/patients",
        data={"csrf_token": csrf, "mrn": mrn, "family_name": "Fresh", "given_name": "Fay",
              "birth_date": "1960-05-01", "sex": "female"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    case_id = int(answer.headers["location"].rsplit("/", 1)[1])
    if platelets is not None:
        cbc = {"csrf_token": csrf, "value_platelets": platelets, "unit_platelets": "x10^9/L"}
        assert client.post(f"/clinician/cases/{case_id}/cbc", data=cbc).status_code == 200
    order = {"csrf_token": csrf, "indications": "pancytopenia", "clinical_details": "tired"}
    assert client.post(f"/clinician/cases/{case_id}/order", data=order).status_code == 200
    return case_id


def test_a_fresh_checklist_opens_with_the_blood_counts_platelets(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, _ids = web
    case_id = _new_case(client, "FK1", platelets="45")
    _sign_in(client, "nurse")

    page = client.get(f"/nursing/cases/{case_id}").text

    assert _value(page, "checklist", "platelets_per_nl") == "45"
    assert _value(page, "checklist", "platelets_at") != ""
    assert 'id="saved-findings"' not in page


def test_a_saved_checklist_and_procedure_open_as_saved(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, _ids = web
    case_id = _new_case(client, "FK2", platelets="150")
    csrf = _sign_in(client, "nurse")
    checklist = {
        "csrf_token": csrf, "planned_at": "2026-03-02T09:00", "sedation": "local",
        "local_anaesthetic": "lidocaine", "antiseptic": "chlorhexidine",
        "allergies": "iodine, latex", "platelets_per_nl": "150", "inr": "1.1",
        "inr_at": "2026-03-01T08:00", "drug_0": "aspirin", "last_dose_0": "2026-02-20T08:00",
        "driver_home": "yes", "consent_by": "patient", "consent_signed_by": "Fay Fresh",
        "notes": "prefers left side",
    }  # fmt: skip

    saved = client.post(f"/nursing/cases/{case_id}/assessment", data=checklist)
    page = client.get(f"/nursing/cases/{case_id}").text

    assert saved.status_code == 200
    assert _value(page, "checklist", "allergies") == "iodine, latex"
    assert _value(page, "checklist", "inr") == "1.1"
    assert _value(page, "checklist", "inr_at") == "2026-03-01T08:00"
    assert _value(page, "checklist", "planned_at") == "2026-03-02T09:00"
    assert _value(page, "checklist", "consent_signed_by") == "Fay Fresh"
    assert re.search(r'<option value="yes" selected>Yes</option>', page)
    assert re.search(r"<option selected>aspirin</option>", page)
    assert 'id="checklist-last_dose_0" value="2026-02-20T08:00"' in page


def test_a_refused_checklist_value_stays_by_its_field_with_the_form_as_typed(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    csrf = _sign_in(client, "nurse")

    answer = client.post(
        f"/nursing/cases/{ids.case_id}/assessment",
        data={"csrf_token": csrf, "inr": "one point two", "allergies": "penicillin",
              "notes": "typed before the mistake"},
    )  # fmt: skip

    assert answer.status_code == 422
    assert "is not a number" in _error(answer.text, "checklist", "inr")
    assert _value(answer.text, "checklist", "inr") == "one point two"
    assert _value(answer.text, "checklist", "allergies") == "penicillin"
    assert _value(answer.text, "checklist", "notes") == "typed before the mistake"


def test_a_refused_procedure_value_stays_by_its_field_with_the_form_as_typed(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    csrf = _sign_in(client, "proceduralist")
    form = {
        "csrf_token": csrf, "operator": "dr.typed", "site": "posterior_iliac_crest",
        "side": "right", "time_out_at": "2026-03-01T09:00", "started_at": "2026-03-01T09:05",
        "ended_at": "2026-03-01T09:30", "core_length_mm": "long", "complications": "haematoma",
    }  # fmt: skip

    answer = client.post(f"/nursing/cases/{ids.case_id}/procedure", data=form)

    assert answer.status_code == 422
    assert "not a number" in _error(answer.text, "procedure-form", "core_length_mm")
    assert _value(answer.text, "procedure-form", "core_length_mm") == "long"
    assert _value(answer.text, "procedure-form", "operator") == "dr.typed"
    assert _value(answer.text, "procedure-form", "started_at") == "2026-03-01T09:05"
    assert re.search(r'name="complications" value="haematoma" checked', answer.text)


def test_a_refused_vital_sign_is_named_by_its_row(web: tuple[TestClient, DemoIds]) -> None:
    client, ids = web
    csrf = _sign_in(client, "proceduralist")
    form = {
        "csrf_token": csrf, "site": "posterior_iliac_crest", "side": "right",
        "time_out_at": "2026-03-01T09:00", "started_at": "2026-03-01T09:05",
        "ended_at": "2026-03-01T09:30", "vital_sign_1": "heart_rate", "vital_value_1": "-4",
    }  # fmt: skip

    answer = client.post(f"/nursing/cases/{ids.case_id}/procedure", data=form)

    assert answer.status_code == 422, answer.text[:300]
    assert _error(answer.text, "procedure-form", "vital_value_1")
    assert _value(answer.text, "procedure-form", "vital_value_1") == "-4"


def test_an_order_without_an_indication_keeps_the_details(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, _ids = web
    csrf = _sign_in(client, "clinician")
    answer = client.post(
        "/clinician/patients",
        data={"csrf_token": csrf, "mrn": "FK3", "family_name": "Order", "given_name": "Olly",
              "birth_date": "1950-01-01", "sex": "male"},
        follow_redirects=False,
    )  # fmt: skip
    case_id = int(answer.headers["location"].rsplit("/", 1)[1])

    refused = client.post(
        f"/clinician/cases/{case_id}/order",
        data={"csrf_token": csrf, "clinical_details": "weight loss, night sweats",
              "urgency": "urgent"},
    )  # fmt: skip

    assert refused.status_code == 422
    assert "at least one indication" in _error(refused.text, "order-form", "indications")
    assert ">weight loss, night sweats</textarea>" in refused.text
    assert re.search(r'<option value="urgent" selected>', refused.text)


def test_a_second_patient_with_the_same_mrn_is_refused_by_the_mrn_field(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, _ids = web
    _new_case(client, "FK4", platelets=None)
    csrf = _sign_in(client, "clinician")

    answer = client.post(
        "/clinician/patients",
        data={"csrf_token": csrf, "mrn": "FK4", "family_name": "Twice", "given_name": "Tom",
              "birth_date": "1980-02-02", "sex": "male"},
    )  # fmt: skip

    assert answer.status_code == 409
    assert "already registered" in _error(answer.text, "register-patient", "mrn")
    assert _value(answer.text, "register-patient", "family_name") == "Twice"
    assert _value(answer.text, "register-patient", "birth_date") == "1980-02-02"


def test_every_registration_refusal_shows_at_once_beside_its_field(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, _ids = web
    csrf = _sign_in(client, "clinician")
    typed = {"mrn": "FK 9!", "family_name": "", "given_name": "G" * 201,
             "birth_date": "2999-01-01", "sex": "x", "phone": "call me"}  # fmt: skip

    answer = client.post("/clinician/patients", data={"csrf_token": csrf, **typed})

    assert answer.status_code == 422
    for name in typed:
        assert _error(answer.text, "register-patient", name), name
    assert "at most 200 characters" in _error(answer.text, "register-patient", "given_name")
    assert "future" in _error(answer.text, "register-patient", "birth_date")
    assert _value(answer.text, "register-patient", "mrn") == "FK 9!"
    assert _value(answer.text, "register-patient", "phone") == "call me"


def test_a_staff_call_with_a_bad_temperature_keeps_the_symptoms(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    csrf = _sign_in(client, "nurse")

    answer = client.post(
        f"/nursing/cases/{ids.case_id}/check-in",
        data={"csrf_token": csrf, "symptoms": "fever", "temperature_c": "hot", "notes": "call"},
    )

    assert answer.status_code == 422
    assert _error(answer.text, "staff-check-in", "temperature_c")
    assert _value(answer.text, "staff-check-in", "temperature_c") == "hot"
    assert re.search(r'name="symptoms" value="fever" checked', answer.text)


def _list_cells(page: str, case_id: int) -> tuple[str, ...]:
    row = re.search(rf'<tr data-case="{case_id}">(.*?)</tr>', page, re.S)
    assert row, f"case {case_id} not listed"
    cells = []
    for name in ("stage", "report-status", "pending", "turnaround"):
        cell = re.search(rf'<td class="{name}"[^>]*>(.*?)</td>', row.group(1), re.S)
        assert cell, f"no {name} cell"
        cells.append(re.sub(r"<[^>]+>", "", cell.group(1)).strip())
    return tuple(cells)


def test_every_case_list_reads_the_demo_case_the_same_way(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    seen = {}
    for user, path in (("clinician", "/clinician"), ("nurse", "/nursing"),
                       ("pathologist", "/pathologist"), ("morphologist", "/counter"),
                       ("morphologist", "/review")):  # fmt: skip
        _sign_in(client, user)
        page = client.get(path)
        assert page.status_code == 200, path
        seen[path] = _list_cells(page.text, ids.case_id)

    stage, report, pending, turnaround = seen["/clinician"]
    assert set(seen.values()) == {seen["/clinician"]}
    assert "_" not in stage and stage[0].isupper()
    assert report in {"No report", "Draft", "Signed", "Released"}
    assert "Immunohistochemistry" in pending
    assert re.fullmatch(r"(\d+ d \d+ h|\d+ h|under 1 h) (since the order|\(signed\))", turnaround)


def test_the_live_panel_and_the_saved_checklist_agree_on_the_same_form(
    web: tuple[TestClient, DemoIds],
) -> None:
    """Saving takes a missing platelet count from the CBC; the live preview must too."""
    client, _ids = web
    case_id = _new_case(client, "FK5", platelets="15")
    csrf = _sign_in(client, "nurse")
    form = {
        "csrf_token": csrf, "planned_at": "2026-03-02T09:00", "consent_by": "patient",
        "local_anaesthetic": "lidocaine", "antiseptic": "chlorhexidine",
    }  # fmt: skip

    preview = client.post(
        f"/api/cases/{case_id}/safety-preview", data=form, headers={"X-CSRF-Token": csrf}
    )
    client.post(f"/nursing/cases/{case_id}/assessment", data=form)
    page = client.get(f"/nursing/cases/{case_id}").text

    live = {f["rule"] for f in preview.json()["findings"]}
    saved = set(re.findall(r'<li data-rule="([^"]+)">', page))
    assert preview.status_code == 200
    assert any("platelet" in rule for rule in live)
    assert live == saved
    assert _value(page, "checklist", "platelets_per_nl") == "15"
