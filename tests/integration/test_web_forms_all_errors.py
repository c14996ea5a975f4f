"""Every refusal of a form shows at once, each beside its field, with the form as typed
and nothing stored: the procedure and checklist forms, the admin's new account and the
alert acknowledgement. Nothing is filled in that nobody said (operator, times, pregnancy)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds
from tests.integration.api_support import api_session, csrf_token, demo_web

Web = tuple[TestClient, DemoIds]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with demo_web(tmp_path_factory.mktemp("all_errors"), timezone="Europe/Berlin") as web:
        yield web


def _errors(page: str, form: str) -> dict[str, str]:
    found = re.findall(rf'<p class="error field-error" id="{form}-(\w+)-error">(.*?)</p>', page)
    return {name: html.unescape(text) for name, text in found}


def _value(page: str, form: str, name: str) -> str:
    found = re.search(rf'<input[^>]*id="{form}-{name}"[^>]*>', page)
    assert found, f"no input {form}-{name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


def _new_case(client: TestClient, mrn: str, birth_date: str = "1960-05-01") -> int:
    clinician = api_session(client, "clinician")
    made = client.post(
        "/api/patients",
        json={"mrn": mrn, "family_name": "Form", "given_name": "Fenna",
              "birth_date": birth_date, "sex": "female"},
        headers=clinician,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    case_id = int(made.json()["case_id"])
    order = {"indications": ["pancytopenia"]}
    assert client.post(f"/api/cases/{case_id}/order", json=order, headers=clinician).is_success
    return case_id


def test_a_fresh_procedure_form_assumes_no_operator_and_no_time(web: Web) -> None:
    client, _ids = web
    case_id = _new_case(client, "AE-fresh")
    csrf_token(client, "proceduralist")

    page = client.get(f"/nursing/cases/{case_id}").text

    for name in ("operator", "time_out_at", "started_at", "aspirate_at", "biopsy_at", "ended_at"):
        assert _value(page, "procedure-form", name) == "", name
    assert _value(page, "checklist", "planned_at") == ""
    # the agents are asked too: the allergy check must run on what will really be used
    assert _value(page, "checklist", "local_anaesthetic") == ""
    assert _value(page, "checklist", "antiseptic") == ""
    assert re.search(r'<select name="consent_by"[^>]*><option value="" selected>', page)


def test_every_procedure_refusal_shows_at_once_and_a_vital_sign_is_never_dropped(
    web: Web,
) -> None:
    client, _ids = web
    case_id = _new_case(client, "AE-proc")
    form = {
        "csrf_token": csrf_token(client, "proceduralist"), "operator": "proc",
        "site": "posterior_iliac_crest", "side": "left", "time_out_at": "2026-03-29T02:30",
        "started_at": "2026-03-29T09:05", "core_length_mm": "long",
        "vital_sign_0": "heart_rate", "vital_value_0": "88",  # no time
        "vital_at_1": "2026-03-29T09:10", "vital_value_1": "97",  # no sign
        "vital_at_2": "2026-03-29T09:15", "vital_sign_2": "spo2",  # no value
    }  # fmt: skip

    answer = client.post(f"/nursing/cases/{case_id}/procedure", data=form)

    assert answer.status_code == 422
    errors = _errors(answer.text, "procedure-form")
    assert "full name" in errors["operator"]
    assert "does not exist in Europe/Berlin" in errors["time_out_at"]
    assert errors["ended_at"] == "required"
    assert "not a number" in errors["core_length_mm"]
    assert "time" in errors["vital_at_0"]
    assert "which vital sign" in errors["vital_value_1"]
    assert "value" in errors["vital_value_2"]
    assert _value(answer.text, "procedure-form", "vital_value_0") == "88"
    assert _value(answer.text, "procedure-form", "started_at") == "2026-03-29T09:05"
    assert 'id="procedure-saved"' not in answer.text


def test_pregnancy_is_asked_where_it_applies_and_never_saved_unasked(web: Web) -> None:
    client, _ids = web
    case_id = _new_case(client, "AE-preg", birth_date="1994-02-01")  # 32 in 2026: asked
    csrf = csrf_token(client, "nurse")
    form = {
        "csrf_token": csrf, "planned_at": "2026-05-01T09:00", "inr": "one",
        "consent_by": "patient", "consent_signed_by": "Fenna Form",
        "local_anaesthetic": "lidocaine", "antiseptic": "chlorhexidine",
    }  # fmt: skip

    opened = client.get(f"/nursing/cases/{case_id}").text
    refused = client.post(f"/nursing/cases/{case_id}/assessment", data=form)
    by_api = client.post(
        f"/api/cases/{case_id}/assessment",
        json={"plan": {"planned_at": "2026-05-01T07:00:00Z"}},
        headers=api_session(client, "nurse"),
    )

    assert re.search(r'<select name="pregnancy"[^>]*><option value="" selected>', opened)
    assert refused.status_code == 422
    errors = _errors(refused.text, "checklist")
    assert "ask" in errors["pregnancy"] and "not a number" in errors["inr"]  # both at once
    assert by_api.status_code == 422 and "pregnancy" in by_api.text
    page = client.get(f"/nursing/cases/{case_id}").text
    assert 'id="saved-overall"' not in page  # nothing stored
    form["csrf_token"] = csrf_token(client, "nurse")  # the API sign-in began a new session
    answered = client.post(
        f"/nursing/cases/{case_id}/assessment",
        data={**form, "inr": "1.0", "pregnancy": "not_pregnant"},
    )
    assert answered.status_code == 200, answered.text[:300]


def test_a_refused_new_account_keeps_the_form_and_names_every_field(web: Web) -> None:
    client, _ids = web
    csrf = csrf_token(client, "admin")

    answer = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "", "display_name": "Nora New",
              "password": "secret-typed", "role": "surgeon", "patient_birth_date": "seven"},
    )  # fmt: skip
    taken = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "nurse", "display_name": "Nina Twice",
              "password": "long-enough-passphrase-41", "role": "nurse"},
    )  # fmt: skip

    assert answer.status_code == 422
    errors = _errors(answer.text, "account-form")
    assert set(errors) == {"username", "role", "patient_birth_date"}
    assert _value(answer.text, "account-form", "display_name") == "Nora New"
    assert _value(answer.text, "account-form", "patient_birth_date") == "seven"
    assert "secret-typed" not in answer.text  # a password is never written into a page
    assert taken.status_code == 409
    assert "taken" in _errors(taken.text, "account-form")["username"]
    assert "Nina Twice" not in client.get("/admin").text.split('id="account-form"')[0]


def test_a_refused_acknowledgement_stays_beside_its_alert(web: Web) -> None:
    client, ids = web
    csrf = csrf_token(client, "nurse")
    check_in = {"csrf_token": csrf, "symptoms": ["fever", "bleeding_not_stopped"],
                "temperature_c": "38.6"}  # fmt: skip
    assert client.post(f"/nursing/cases/{ids.case_id}/check-in", data=check_in).status_code < 400
    inbox = client.get("/alerts").text
    alert_id = int(re.findall(r'action="/alerts/(\d+)/acknowledge"', inbox)[0])

    empty = client.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": csrf, "note": " "})
    long = client.post(
        f"/alerts/{alert_id}/acknowledge", data={"csrf_token": csrf, "note": "rang back " * 500}
    )

    assert empty.status_code == 422
    assert re.search(rf'id="note-{alert_id}-error">[^<]*say what was done', empty.text)
    assert long.status_code == 422
    assert re.search(rf'id="note-{alert_id}-error">at most', long.text)
    assert f">{'rang back ' * 3}" in long.text  # the note as typed
    assert f'action="/alerts/{alert_id}/acknowledge"' in client.get("/alerts").text  # still open


def test_a_checklist_without_its_agents_is_refused_beside_them(web: Web) -> None:
    client, _ids = web
    case_id = _new_case(client, "AE-agents")
    csrf = csrf_token(client, "nurse")
    form = {
        "csrf_token": csrf, "planned_at": "2026-05-01T09:00", "sedation": "local",
        "consent_by": "patient", "consent_signed_by": "Fenna Form", "allergies": "lidocaine",
    }  # fmt: skip

    refused = client.post(f"/nursing/cases/{case_id}/assessment", data=form)

    assert refused.status_code == 422
    assert "name the local anaesthetic that will be used" in refused.text
    assert "name the antiseptic that will be used" in refused.text
    assert _value(refused.text, "checklist", "allergies") == "lidocaine"


def test_the_api_names_the_operator_as_a_person_never_an_account(web: Web) -> None:
    client, _ids = web
    case_id = _new_case(client, "AE-api-op")
    headers = api_session(client, "proceduralist")
    body = {
        "site": "posterior_iliac_crest", "side": "left", "sedation": "local",
        "time_out_at": "2026-03-02T08:58:00Z", "started_at": "2026-03-02T09:00:00Z",
        "aspirate_at": "2026-03-02T09:05:00Z", "ended_at": "2026-03-02T09:20:00Z",
        "observation_minutes": 30,
    }  # fmt: skip

    refused = client.post(
        f"/api/cases/{case_id}/procedure", json={**body, "operator": "proc"}, headers=headers
    )

    assert refused.status_code == 422
    assert "full name" in refused.json()["detail"]
    # the default (the signed-in person's full name) is checked in test_api_pathway_walk


def test_every_report_draft_refusal_shows_beside_its_field_with_the_text_kept(web: Web) -> None:
    client, _ids = web
    case_id = _new_case(client, "AE-draft")
    csrf = csrf_token(client, "pathologist")
    typed = {
        "csrf_token": csrf, "iron_grade": "7", "trephine_length_mm": "two cm",
        "icd10": "myelodysplasia", "conclusion": "Hypercellular marrow; see comment.",
    }  # fmt: skip
    refused = client.post(f"/pathologist/cases/{case_id}/report", data=typed)

    assert refused.status_code == 422
    errors = _errors(refused.text, "report-form")
    assert set(errors) == {"iron_grade", "trephine_length_mm", "icd10"}
    assert "0 to 6" in errors["iron_grade"] and "number" in errors["trephine_length_mm"]
    assert ">Hypercellular marrow; see comment.</textarea>" in refused.text
    # nothing stored: no draft was made
    assert "see comment" not in client.get(f"/pathologist/cases/{case_id}").text
