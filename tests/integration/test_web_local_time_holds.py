"""A nurse typing the lab's local time gets the same anticoagulant hold decision as one
typing UTC, across both 2026 clock changes in Europe/Berlin.

Apixaban with a creatinine clearance of 80 mL/min is held 24 h before a low-risk
procedure (``tables/safety.toml``, SIR 2019). Each case puts the last dose 30 minutes
either side of 24 h of *real* time, where the wall clock says the opposite: read as UTC,
the Berlin times would give the wrong decision, an hour off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds
from tests.integration.api_support import api_session, csrf_token, demo_web

Web = tuple[TestClient, DemoIds]


@pytest.fixture(scope="module")
def berlin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with demo_web(tmp_path_factory.mktemp("berlin"), timezone="Europe/Berlin") as web:
        yield web


@pytest.fixture(scope="module")
def utc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with demo_web(tmp_path_factory.mktemp("utc"), timezone="UTC") as web:
        yield web


@dataclass(frozen=True)
class Scene:
    """The planned time and the last apixaban dose, as the clocks in Berlin showed them."""

    planned_local: str
    dose_local: str
    planned_utc: datetime
    dose_utc: datetime
    held_too_short: bool


SCENES = {
    # spring: 08:30 CET to 09:00 CEST is 23.5 h (the wall clock says 24.5 h)
    "spring": Scene("2026-03-29T09:00", "2026-03-28T08:30",
                    datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
                    datetime(2026, 3, 28, 7, 30, tzinfo=UTC), held_too_short=True),
    # autumn: 09:30 CEST to 09:00 CET is 24.5 h (the wall clock says 23.5 h)
    "autumn": Scene("2026-10-25T09:00", "2026-10-24T09:30",
                    datetime(2026, 10, 25, 8, 0, tzinfo=UTC),
                    datetime(2026, 10, 24, 7, 30, tzinfo=UTC), held_too_short=False),
}  # fmt: skip


def _new_case(client: TestClient, mrn: str) -> int:
    clinician = api_session(client, "clinician")
    made = client.post(
        "/api/patients",
        json={"mrn": mrn, "family_name": "Zeit", "given_name": "Zora",
              "birth_date": "1950-05-01", "sex": "female"},
        headers=clinician,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    case_id = int(made.json()["case_id"])
    order = {"indications": ["pancytopenia"]}
    assert client.post(f"/api/cases/{case_id}/order", json=order, headers=clinician).is_success
    return case_id


def _form(csrf: str, planned: str, dose: str, labs: str) -> dict[str, str]:
    return {
        "csrf_token": csrf, "planned_at": planned, "sedation": "local",
        "local_anaesthetic": "lidocaine", "antiseptic": "chlorhexidine",
        "platelets_per_nl": "200", "platelets_at": labs, "inr": "1.0", "inr_at": labs,
        "creatinine_clearance_ml_min": "80", "drug_0": "apixaban", "last_dose_0": dose,
        "consent_by": "patient", "consent_signed_by": "Zora Zeit", "driver_home": "yes",
    }  # fmt: skip


def _apixaban_on_page(client: TestClient, case_id: int) -> str | None:
    page = client.get(f"/nursing/cases/{case_id}").text
    saved = dict(re.findall(r'<li data-rule="([^"]+)"><span class="badge sev-(\w+)">', page))
    return saved.get("drug.apixaban")


def _by_form(web: Web, mrn: str, planned: str, dose: str, labs: str) -> str | None:
    client, _ids = web
    case_id = _new_case(client, mrn)
    form = _form(csrf_token(client, "nurse"), planned, dose, labs)
    saved = client.post(f"/nursing/cases/{case_id}/assessment", data=form)
    assert saved.status_code == 200, saved.text[:500]
    return _apixaban_on_page(client, case_id)


def _minutes(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("name", SCENES)
def test_local_and_utc_entries_give_the_same_hold_decision(
    name: str, berlin: Web, utc: Web
) -> None:
    s = SCENES[name]
    labs_utc = s.planned_utc - timedelta(days=1)

    local = _by_form(berlin, f"BER-{name}", s.planned_local, s.dose_local, "2026-01-02T10:00")
    in_utc = _by_form(utc, f"UTC-{name}", _minutes(s.planned_utc), _minutes(s.dose_utc),
                      _minutes(labs_utc))  # fmt: skip
    client, _ids = berlin
    case_id = _new_case(client, f"API-{name}")
    api = client.post(
        f"/api/cases/{case_id}/assessment",
        json={"plan": {"planned_at": s.planned_utc.isoformat()}, "platelets_per_nl": 200,
              "platelets_at": labs_utc.isoformat(), "inr": 1.0, "inr_at": labs_utc.isoformat(),
              "creatinine_clearance_ml_min": 80, "driver_home": True,
              "medications": [{"drug": "apixaban", "last_dose_at": s.dose_utc.isoformat()}],
              "consent_by": "patient", "consent_signed_by": "Zora Zeit"},
        headers=api_session(client, "nurse"),
    )  # fmt: skip
    assert api.status_code == 201, api.text
    by_api = {f["rule"]: f["severity"] for f in api.json()["findings"]}.get("drug.apixaban")

    assert local == in_utc == by_api
    assert (local in ("stop", "review")) is s.held_too_short  # a note says it was held


def test_the_saved_times_come_back_on_the_lab_clock_and_every_time_field_names_the_zone(
    berlin: Web,
) -> None:
    client, _ids = berlin
    s = SCENES["spring"]
    case_id = _new_case(client, "BER-shown")
    form = _form(csrf_token(client, "nurse"), s.planned_local, s.dose_local, "2026-03-27T10:00")
    assert client.post(f"/nursing/cases/{case_id}/assessment", data=form).status_code == 200

    page = client.get(f"/nursing/cases/{case_id}").text

    assert re.search(r'id="checklist-planned_at" value="2026-03-29T09:00"', page)
    assert re.search(r'id="checklist-last_dose_0" value="2026-03-28T08:30"', page)
    time_inputs = re.findall(r'<input type="datetime-local"', page)
    assert len(time_inputs) == page.count("(Europe/Berlin)")  # each one labelled
    assert "UTC" not in re.sub(r"<script.*?</script>", "", page, flags=re.S).split("<main")[1]


def test_a_time_the_clocks_skip_is_refused_beside_its_field_and_nothing_is_stored(
    berlin: Web,
) -> None:
    client, _ids = berlin
    case_id = _new_case(client, "BER-gap")
    form = _form(csrf_token(client, "nurse"), "2026-03-29T09:00", "2026-03-29T02:30",
                 "2026-03-29T02:15")  # fmt: skip

    answer = client.post(f"/nursing/cases/{case_id}/assessment", data=form)

    assert answer.status_code == 422
    for field in ("last_dose_0", "platelets_at", "inr_at"):  # all at once
        error = re.search(rf'id="checklist-{field}-error">([^<]*)<', answer.text)
        assert error and "does not exist in Europe/Berlin" in error.group(1), field
    assert 'id="checklist-last_dose_0" value="2026-03-29T02:30"' in answer.text
    assert 'id="saved-overall"' not in answer.text  # nothing saved


def test_a_time_the_clocks_show_twice_is_asked_for_with_its_offset(berlin: Web) -> None:
    client, _ids = berlin
    case_id = _new_case(client, "BER-twice")
    csrf = csrf_token(client, "nurse")
    form = _form(csrf, "2026-10-25T09:00", "2026-10-25T02:30", "2026-10-24T10:00")

    asked = client.post(f"/nursing/cases/{case_id}/assessment", data=form)
    given = client.post(
        f"/nursing/cases/{case_id}/assessment",
        data={**form, "last_dose_0": "2026-10-25T02:30+01:00"},
    )

    assert asked.status_code == 422
    assert re.search(
        r'<input type="text" name="last_dose_0"[^>]*value="2026-10-25T02:30"', asked.text
    )
    assert "+01:00" in asked.text and "happens twice" in asked.text
    assert given.status_code == 200, given.text[:400]
    page = client.get(f"/nursing/cases/{case_id}").text
    assert 'value="2026-10-25T02:30+01:00"' in page  # shown as saved: the second 02:30
