"""The integrated-diagnosis panel through the JSON API and the pathologist's adopt button.

A new case is worked as the ward and the laboratory would (CBC, procedure, karyotype and a
molecular panel, each verified); the panel must read those results, say what is missing,
refuse those who may not read it, and the proposal the pathologist adopts must land in
the draft beside the proposal as computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.web.app import create_app

from .api_support import AuditLog, api_session
from .test_api_pathway_walk import _new_case, _procedure

MOLECULAR = {
    "panel": "Myeloid NGS",
    "variants": [
        {"gene": "TP53", "hgvs_c": "c.743G>A", "hgvs_p": "p.R248Q", "vaf_percent": 32},
    ],
    "genes_tested": ["TP53", "ASXL1", "SF3B1", "NPM1", "FLT3", "RUNX1"],
}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, AuditLog]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('diagnosis') / 'demo.db'}"
    prepare_demo(Settings(database_url=url))
    audit = AuditLog(url)
    audit.skip()
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client, audit


def _result(client: TestClient, case_id: int, kind: str, test: str, result: dict[str, Any]) -> None:
    nurse = api_session(client, "nurse")
    made = client.post(
        f"/api/cases/{case_id}/specimens", json={"kind": kind, "tests": [test]}, headers=nurse
    )
    assert made.status_code == 201, made.text
    [row] = made.json()["tests"]
    lab = api_session(client, "lab")
    assert (
        client.post(
            "/api/lab/receive", json={"accession": made.json()["accession"]}, headers=lab
        ).status_code
        == 200
    )
    moved = client.post(
        f"/api/lab/tests/{row['id']}/state", json={"state": "in_process"}, headers=lab
    )
    assert moved.status_code == 200, moved.text
    done = client.post(f"/api/lab/tests/{row['id']}/result", json={"result": result}, headers=lab)
    assert done.status_code == 200, done.text
    pathologist = api_session(client, "pathologist")
    assert client.post(f"/api/lab/tests/{row['id']}/verify", headers=pathologist).status_code == 200


def _worked_case(client: TestClient, audit: AuditLog, mrn: str, iscn: str) -> int:
    case_id = _new_case(client, audit, mrn)
    clinician = api_session(client, "clinician")
    cbc = client.post(
        f"/api/cases/{case_id}/cbc",
        json={
            "collected_at": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
            "measurements": {
                "hb": [8.9, "g/dL"],
                "platelets": 64,
                "neutrophils": 0.7,
                "wbc": 2.1,
                "monocytes": 0.2,
            },
        },
        headers=clinician,
    )
    assert cbc.status_code == 200, cbc.text
    _procedure(client, audit, case_id)
    _result(
        client, case_id, "aspirate_heparin", "karyotype", {"iscn": iscn, "metaphases_analysed": 20}
    )
    _result(client, case_id, "aspirate_edta", "molecular_panel", MOLECULAR)
    return case_id


def test_the_panel_reads_the_verified_results_and_names_what_is_missing(
    web: tuple[TestClient, AuditLog],
) -> None:
    client, audit = web
    case_id = _worked_case(client, audit, "DX-1", "46,XX,del(5)(q13q33)[15]/46,XX[5]")
    api_session(client, "pathologist")
    answer = client.get(f"/api/cases/{case_id}/diagnosis")
    assert answer.status_code == 200, answer.text
    panel = answer.json()
    assert panel["decision_support"] is True
    assert [c["system"] for c in panel["candidates"]][:2] == ["WHO 2022", "ICC 2022"]
    # no slide counted yet: the marrow blast percentage is unknown, so nothing is settled
    assert panel["settled"] is False
    assert any("blast" in m["what"].lower() for m in panel["missing"]), panel["missing"]
    traces = [k for c in panel["candidates"] for k in c["criteria"]]
    assert all(k["status"] in {"met", "not met", "unknown"} for k in traces)
    assert all(k["source"] for k in traces)
    # the risk scores of MDS are offered with their spread, never a single settled group
    ipssm = [r for r in panel["risks"] if r["system"] == "IPSS-M"]
    if ipssm:
        assert ipssm[0]["settled"] is False


def test_those_who_may_not_read_it_are_refused(web: tuple[TestClient, AuditLog]) -> None:
    client, _ = web
    for username in ("nurse", "patient", "clinician"):
        api_session(client, username)
        assert client.get("/api/cases/1/diagnosis").status_code == 403, username
    api_session(client, "pathologist")
    assert client.get("/api/cases/999999/diagnosis").status_code == 404
    client.cookies.clear()
    assert client.get("/api/cases/1/diagnosis").status_code == 401


def test_a_karyotype_the_parser_refuses_is_said_not_dropped(
    web: tuple[TestClient, AuditLog],
) -> None:
    client, audit = web
    case_id = _worked_case(client, audit, "DX-2", "47,XX,+25[20]")
    api_session(client, "pathologist")
    panel = client.get(f"/api/cases/{case_id}/diagnosis").json()
    assert any("could not be read" in note for note in panel["notes"]), panel["notes"]
    assert panel["settled"] is False


def test_the_pathologist_adopts_the_proposal_into_the_draft(
    web: tuple[TestClient, AuditLog],
) -> None:
    client, audit = web
    case_id = _worked_case(client, audit, "DX-3", "46,XX,del(5)(q13q33)[15]/46,XX[5]")
    headers = api_session(client, "pathologist")
    page = client.get(f"/pathologist/cases/{case_id}")
    assert page.status_code == 200 and "Integrated diagnosis (decision support)" in page.text
    assert "Not settled." in page.text
    refused = client.post(f"/pathologist/cases/{case_id}/report/adopt-diagnosis")
    assert refused.status_code == 403  # no CSRF token: nothing written
    adopted = client.post(
        f"/pathologist/cases/{case_id}/report/adopt-diagnosis",
        headers=headers,
        follow_redirects=False,
    )
    assert adopted.status_code == 303, adopted.text
    fields = client.get(f"/api/cases/{case_id}/report").json()["versions"][-1]["fields"]
    assert fields["who_2022"] and fields["icc_2022"]
    assert "WHO 2022" in fields["diagnosis_proposal"]
    assert fields["diagnosis_missing"]
    assert any(e == "report" for e, _, _ in audit.new_rows())
