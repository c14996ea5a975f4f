"""A patient's examinations through the JSON API: listed oldest first, the next one
opened by MRN and date of birth (never by a guessed id alone), the same indication twice
on one day refused with 409 and its reason, and the comparison and response of a repeat
marrow read by those who read the work-up, refused to others."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds

from .api_support import api_session, demo_web


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds]]:
    with demo_web(tmp_path_factory.mktemp("repeat")) as running:
        yield running


def _patient(client: TestClient, ids: DemoIds) -> dict[str, str]:
    detail = client.get(f"/api/cases/{ids.case_id}", headers=api_session(client, "clinician"))
    return detail.json()["patient"]


def test_the_next_examination_is_opened_by_mrn_and_birth_date_and_listed_last(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    patient = _patient(client, ids)
    clinician = api_session(client, "clinician")

    wrong = client.post(
        "/api/cases/next",
        json={"mrn": patient["mrn"], "birth_date": "1900-01-01"},
        headers=clinician,
    )
    opened = client.post(
        "/api/cases/next",
        json={"mrn": patient["mrn"], "birth_date": patient["birth_date"]},
        headers=clinician,
    )
    listed = client.get(f"/api/patients/{patient['id']}/cases", headers=clinician)

    assert wrong.status_code == 404 and "MRN and date of birth" in wrong.text
    assert opened.status_code == 201, opened.text
    assert [c["id"] for c in listed.json()] == [ids.case_id, opened.json()["id"]]


def test_a_second_open_case_with_the_same_indication_today_is_a_409_with_its_reason(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    clinician = api_session(client, "clinician")
    other = ids.other_patient_id
    first = client.post(f"/api/patients/{other}/cases", headers=clinician).json()["id"]
    second = client.post(f"/api/patients/{other}/cases", headers=clinician).json()["id"]
    order = {"indications": ["treatment_monitoring"], "clinical_details": "Day 28."}

    placed = client.post(f"/api/cases/{first}/order", json=order, headers=clinician)
    refused = client.post(f"/api/cases/{second}/order", json=order, headers=clinician)

    assert placed.status_code == 201, placed.text
    assert refused.status_code == 409
    assert f"already ordered on case {first}, opened the same day" in refused.text


def test_the_comparison_is_for_the_work_up_readers_and_a_response_needs_a_diagnosis(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    cases = client.get(
        f"/api/patients/{ids.patient_id}/cases", headers=api_session(client, "pathologist")
    ).json()
    repeat = cases[-1]["id"]

    shown = client.get(f"/api/cases/{repeat}/followup").json()
    response = client.get(f"/api/cases/{repeat}/response")
    nurse = api_session(client, "nurse")
    barred = client.get(f"/api/cases/{repeat}/followup", headers=nurse)

    assert shown["previous_case"]["id"] == ids.case_id
    assert [f["name"] for f in shown["figures"]][:3] == [
        "Blasts (marrow)",
        "Plasma cells (marrow)",
        "M:E ratio",
    ]
    # the demo case is no AML or myeloma: no response can be proposed, and it says why
    assert shown["response"] is None and "AML or myeloma" in shown["refusal"]
    assert response.status_code == 409 and "no earlier examination" in response.text
    assert barred.status_code == 403
