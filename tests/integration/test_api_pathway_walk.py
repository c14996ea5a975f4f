"""A new case walked from registration to a released report through the JSON API only
(issue 18 section 6), each step by the role whose page does it, each write audited.

register -> order -> checklist -> procedure -> specimen -> receive -> in process ->
result -> verify (a second person) -> draft -> sign (the password again; warnings
confirmed) -> amend -> addendum -> release -> PDF.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase

from .api_support import AuditLog, api_session

KARYOTYPE = {"iscn": "46,XY,del(5)(q31q33)[12]/46,XY[8]", "metaphases_analysed": 20}


# The representative web/API module of the default job on both engines (the others follow
# MARROWSCOPE_TEST_WEB_BACKEND; make test-web-postgres runs them all on PostgreSQL).
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web(
    request: pytest.FixtureRequest, web_database: WebDatabase
) -> Iterator[tuple[TestClient, AuditLog]]:
    url = web_database("api_walk", request.param)
    prepare_demo(Settings(database_url=url))
    audit = AuditLog(url)
    audit.skip()
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client, audit


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _new_case(client: TestClient, audit: AuditLog, mrn: str) -> int:
    """Register a patient and order the examination, as the clinician's page does."""
    clinician = api_session(client, "clinician")
    made = client.post(
        "/api/patients",
        json={
            "mrn": mrn,
            "family_name": "Walker",
            "given_name": "Ann",
            "birth_date": "1961-05-02",
            "sex": "female",
        },
        headers=clinician,
    )
    assert made.status_code == 201, made.text
    case_id = int(made.json()["case_id"])
    ordered = client.post(
        f"/api/cases/{case_id}/order",
        json={"indications": ["pancytopenia"], "clinical_details": "Tired.", "urgency": "urgent"},
        headers=clinician,
    )
    assert ordered.status_code == 201, ordered.text
    assert ordered.json()["kind"] == "order"
    written = audit.new_rows()
    assert {("patient", "create", "clinician"), ("order", "create", "clinician")} <= set(written)
    return case_id


def _procedure(client: TestClient, audit: AuditLog, case_id: int) -> None:
    """The checklist and the procedure, as the ward's page records them."""
    nurse = api_session(client, "nurse")
    now = datetime.now(UTC)
    checklist = client.post(
        f"/api/cases/{case_id}/assessment",
        json={
            "plan": {"planned_at": _iso(now + timedelta(hours=1))},
            "platelets_per_nl": 180,
            "platelets_at": _iso(now - timedelta(days=1)),
            "inr": 1.0,
            "inr_at": _iso(now - timedelta(days=1)),
            "driver_home": True,
            "consent_by": "patient",
            "consent_signed_by": "Ann Walker",
        },
        headers=nurse,
    )
    assert checklist.status_code == 201, checklist.text
    assert checklist.json()["overall"] != "stop", checklist.json()["findings"]
    start = now - timedelta(minutes=30)
    done = client.post(
        f"/api/cases/{case_id}/procedure",
        json={
            "site": "posterior_iliac_crest",
            "side": "right",
            "time_out_at": _iso(start - timedelta(minutes=2)),
            "started_at": _iso(start),
            "aspirate_at": _iso(start + timedelta(minutes=5)),
            "biopsy_at": _iso(start + timedelta(minutes=10)),
            "ended_at": _iso(start + timedelta(minutes=15)),
            "core_length_mm": 18,
            "observation_minutes": 30,
            "vitals": [{"at": _iso(start), "sign": "heart_rate", "value": 80}],
        },
        headers=nurse,
    )
    assert done.status_code == 201, done.text
    assert done.json()["payload"]["procedure"]["operator"] == "Nina Nurse"  # a person
    aftercare = client.post(f"/api/cases/{case_id}/aftercare", headers=nurse)
    assert aftercare.status_code == 201, aftercare.text
    written = audit.new_rows()
    assert {(e, u) for e, _, u in written} >= {
        ("assessment", "nurse"),
        ("procedure", "nurse"),
        ("aftercare", "nurse"),
    }, written


def test_a_case_walks_from_registration_to_a_released_pdf(
    web: tuple[TestClient, AuditLog],
) -> None:
    client, audit = web
    case_id = _new_case(client, audit, "API-WALK-1")
    _procedure(client, audit, case_id)

    nurse = api_session(client, "nurse")
    specimen = client.post(
        f"/api/cases/{case_id}/specimens",
        json={"kind": "aspirate_heparin", "tests": ["karyotype"]},
        headers=nurse,
    )
    assert specimen.status_code == 201, specimen.text
    accession = specimen.json()["accession"]
    [test] = specimen.json()["tests"]
    assert test["state"] == "collected"
    assert ("specimen", "create", "nurse") in audit.new_rows()

    lab = api_session(client, "lab")
    received = client.post("/api/lab/receive", json={"accession": accession}, headers=lab)
    again = client.post("/api/lab/receive", json={"accession": accession}, headers=lab)
    assert received.status_code == 200, received.text
    assert [t["state"] for t in received.json()["tests"]] == ["received"]
    assert again.status_code == 409 and "already received" in again.json()["detail"]
    assert ("specimen", "update", "lab") in audit.new_rows()

    early = client.post(
        f"/api/lab/tests/{test['id']}/result", json={"result": KARYOTYPE}, headers=lab
    )
    moved = client.post(
        f"/api/lab/tests/{test['id']}/state", json={"state": "in_process"}, headers=lab
    )
    assert early.status_code == 409, early.text
    assert moved.status_code == 200 and moved.json()["state"] == "in_process"
    assert any(e == "lab_test" and u == "lab" for e, _, u in audit.new_rows())

    bad = client.post(
        f"/api/lab/tests/{test['id']}/result",
        json={"result": {"iscn": "", "metaphases_analysed": 20}},
        headers=lab,
    )
    resulted = client.post(
        f"/api/lab/tests/{test['id']}/result", json={"result": KARYOTYPE}, headers=lab
    )
    assert bad.status_code == 422 and list(bad.json()) == ["error", "detail"]
    assert resulted.status_code == 200, resulted.text
    assert resulted.json()["test"]["state"] == "resulted"
    assert resulted.json()["payload"]["iscn"] == KARYOTYPE["iscn"]
    assert ("lab_result", "create", "lab") in audit.new_rows()

    own = client.post(f"/api/lab/tests/{test['id']}/verify", headers=lab)
    assert own.status_code == 409 and "cannot verify" in own.json()["detail"]
    pathologist = api_session(client, "pathologist")
    verified = client.post(f"/api/lab/tests/{test['id']}/verify", headers=pathologist)
    assert verified.status_code == 200 and verified.json()["state"] == "verified"
    assert any(e == "lab_test" and u == "pathologist" for e, _, u in audit.new_rows())

    before = client.get(f"/api/cases/{case_id}/report").json()
    assert before["status"] == "none" and KARYOTYPE["iscn"] in before["prefill"]["cytogenetics"]
    draft = client.post(
        f"/api/cases/{case_id}/report",
        json={"fields": {"conclusion": "No marrow disease seen."}},
        headers=pathologist,
    )
    assert draft.status_code == 200, draft.text
    body = draft.json()
    assert body["status"] == "draft" and body["current"]["fields"]["conclusion"].startswith("No ")
    assert KARYOTYPE["iscn"] in body["current"]["fields"]["cytogenetics"]  # prefill kept
    assert "small_count" in {w["code"] for w in body["warnings"]}
    assert ("report", "create", "pathologist") in audit.new_rows()

    wrong = client.post(
        f"/api/cases/{case_id}/report/sign",
        json={"password": "not-the-password", "confirm_warnings": True},
        headers=pathologist,
    )
    unconfirmed = client.post(
        f"/api/cases/{case_id}/report/sign",
        json={"password": "pathologist-demo"},
        headers=pathologist,
    )
    assert wrong.status_code == 401 and "not your current password" in wrong.json()["detail"]
    assert unconfirmed.status_code == 409 and "confirm" in unconfirmed.json()["detail"]
    assert client.get(f"/api/cases/{case_id}/report").json()["status"] == "draft"
    assert audit.new_rows() == []  # a refused signature changes nothing

    signed = client.post(
        f"/api/cases/{case_id}/report/sign",
        json={"password": "pathologist-demo", "confirm_warnings": True},
        headers=pathologist,
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed"
    assert signed.json()["current"]["signer"].startswith("Dr Pia Pathologist, ")
    assert ("report", "transition", "pathologist") in audit.new_rows()
    overwrite = client.post(
        f"/api/cases/{case_id}/report", json={"fields": {"conclusion": "x"}}, headers=pathologist
    )
    assert overwrite.status_code == 409, overwrite.text

    amended = client.post(
        f"/api/cases/{case_id}/report/amend",
        json={
            "fields": {"conclusion": "Normal marrow."},
            "reason": "wording",
            "password": "pathologist-demo",
        },
        headers=pathologist,
    )
    assert amended.status_code == 200, amended.text
    versions = amended.json()["versions"]
    assert [v["kind"] for v in versions] == ["original", "amendment"]
    assert versions[0]["fields"]["conclusion"] == "No marrow disease seen."  # kept as signed
    added = client.post(
        f"/api/cases/{case_id}/report/addendum",
        json={"text": "FISH to follow.", "reason": "pending test", "password": "pathologist-demo"},
        headers=pathologist,
    )
    assert added.status_code == 200 and len(added.json()["versions"]) == 3
    assert [a for e, a, u in audit.new_rows() if e == "report"] == ["supersede", "supersede"]

    refused = client.post(
        f"/api/cases/{case_id}/report/release",
        json={"password": "pathologist-demo", "version": 3},
        headers=pathologist,
    )
    assert refused.status_code == 403  # the clinician releases in this laboratory
    clinician = api_session(client, "clinician")
    released = client.post(
        f"/api/cases/{case_id}/report/release",
        json={"password": "clinician-demo", "version": 3},  # the version read and released
        headers=clinician,
    )
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert ("report", "transition", "clinician") in audit.new_rows()

    pathologist = api_session(client, "pathologist")
    pdf = client.get(f"/api/cases/{case_id}/report.pdf")
    first = client.get(f"/api/cases/{case_id}/report.pdf?version=1")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and first.content.startswith(b"%PDF")
    assert pdf.content != first.content


def test_refusals_are_one_line_json_never_a_server_error(
    web: tuple[TestClient, AuditLog],
) -> None:
    client, _ = web
    lab = api_session(client, "lab")

    answers = [
        client.post("/api/lab/receive", json={"accession": "nonsense"}, headers=lab),
        client.post("/api/lab/receive", json={}, headers=lab),
        client.post("/api/lab/tests/999999/state", json={"state": "in_process"}, headers=lab),
        client.post("/api/lab/tests/1/state", json={"state": "flying"}, headers=lab),
        client.post("/api/lab/tests/1/result", json={"result": []}, headers=lab),
        client.post("/api/lab/tests/1/result", json={"result": {"x": [1, {}]}}, headers=lab),
        client.post("/api/lab/receive", content=b"{not json", headers=lab),
        client.post("/api/lab/receive", json={"accession": "BM26-1"}),  # no CSRF header
    ]

    for answer in answers:
        assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
        assert isinstance(answer.json()["detail"], str) and "\n" not in answer.json()["detail"]


def test_times_without_a_zone_and_unknown_codes_are_refused(
    web: tuple[TestClient, AuditLog],
) -> None:
    client, _ = web
    case_id = _new_case(client, web[1], "API-WALK-2")
    nurse = api_session(client, "nurse")

    naive = client.post(
        f"/api/cases/{case_id}/procedure",
        json={
            "site": "posterior_iliac_crest",
            "side": "right",
            "time_out_at": "2026-01-01T10:00:00",
            "started_at": "2026-01-01T10:02:00",
            "ended_at": "2026-01-01T10:20:00",
        },
        headers=nurse,
    )
    site = client.post(
        f"/api/cases/{case_id}/procedure",
        json={
            "site": "elbow",
            "side": "right",
            "time_out_at": "2026-01-01T10:00:00Z",
            "started_at": "2026-01-01T10:02:00Z",
            "ended_at": "2026-01-01T10:20:00Z",
        },
        headers=nurse,
    )
    sedation = client.post(
        f"/api/cases/{case_id}/assessment", json={"plan": {"sedation": "gas"}}, headers=nurse
    )
    born = client.post(
        "/api/patients",
        json={"mrn": "X", "family_name": "A", "given_name": "B", "birth_date": str(date.max)},
        headers=api_session(client, "clinician"),
    )

    assert naive.status_code == 422 and "timezone" in naive.json()["detail"]
    assert site.status_code == 422, site.text
    assert sedation.status_code == 422 and "plan" in sedation.json()["detail"]
    assert born.status_code == 422
