"""The inputs no result states, entered through the JSON API and the pathologist's form.

Entered dysplasia, history and the myeloma work-up must reach the engines (what was
missing is no longer missing), every refused field must be named at once with nothing
stored, a correction must be a new version with the old one kept, and only those who
judge the marrow may enter them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.web.app import create_app

from .api_support import AuditLog, api_session
from .test_api_diagnosis import _worked_case


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, AuditLog, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('context') / 'demo.db'}"
    prepare_demo(Settings(database_url=url))
    audit = AuditLog(url)
    audit.skip()
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client, audit, url


def _missing(panel: dict[str, Any]) -> str:
    return " | ".join(m["what"] for m in panel["missing"]).lower()


def _versions(url: str, case_id: int) -> list[tuple[int, object]]:
    engine = create_engine(url)
    with engine.connect() as db:
        rows = db.execute(
            text(
                "SELECT version, superseded_at FROM clinical_record "
                "WHERE case_id = :c AND kind = 'diagnostic_context' ORDER BY version"
            ),
            {"c": case_id},
        ).all()
    engine.dispose()
    return [(r[0], r[1]) for r in rows]


def test_myeloma_work_up_settles_the_stage_it_was_missing(
    web: tuple[TestClient, AuditLog, str],
) -> None:
    client, audit, url = web
    case_id = _worked_case(client, audit, "CTX-1", "46,XY[20]")
    headers = api_session(client, "pathologist")
    work_up = {
        "serum_m_protein_g_per_l": "34",
        "involved_flc_mg_per_l": 420,
        "uninvolved_flc_mg_per_l": 9,
        "calcium_mmol_per_l": 2.4,
        "calcium_uln_mmol_per_l": 2.6,
        "creatinine_umol_per_l": 90,
        "osteolytic_lesions_count": 0,
        "beta2_microglobulin_mg_per_l": 6.1,
        "albumin_g_per_l": 31,
        "ldh_above_uln": "no",
        "del17p": "yes",
        "t_4_14": "no",
        "t_14_16": "no",
        "gain_1q": "no",
    }

    answer = client.put(
        f"/api/cases/{case_id}/diagnosis/context", json={"values": work_up}, headers=headers
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["values"]["serum_m_protein_g_per_l"] == 34.0
    assert body["values"]["del17p"] is True and body["values"]["ldh_above_uln"] is False
    risks = {r["system"]: r for r in body["diagnosis"]["risks"]}
    # ISS III (beta-2 microglobulin >= 5.5 mg/L) with del(17p): R-ISS III (Palumbo 2015)
    assert risks["R-ISS"]["category"] == "R-ISS III"
    # R2-ISS: ISS III 1.5 + del(17p) 1 = 2.5 points, group III (D'Agostino 2022)
    assert risks["R2-ISS"]["category"] == "R2-ISS III"
    systems = [c["system"] for c in body["diagnosis"]["candidates"]]
    assert "IMWG 2014" in systems
    assert (
        client.get(f"/api/cases/{case_id}/diagnosis/context", headers=headers).json()["values"]
        == body["values"]
    )


def test_every_refused_field_is_named_and_nothing_is_stored(
    web: tuple[TestClient, AuditLog, str],
) -> None:
    client, audit, url = web
    case_id = _worked_case(client, audit, "CTX-2", "46,XX[20]")
    headers = api_session(client, "pathologist")

    answer = client.put(
        f"/api/cases/{case_id}/diagnosis/context",
        json={
            "values": {
                "albumin_g_per_l": "3.1",  # g/dL typed as g/L
                "osteolytic_lesions_count": "2.5",
                "dysplasia_erythroid": "maybe",
                "dysplasia_lymphoid": "yes",
                "prior_mds": "no",
            }
        },
        headers=headers,
    )

    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    for named in ("albumin", "whole number", "yes, no or not assessed", "dysplasia_lymphoid"):
        assert named in detail, named
    assert _versions(url, case_id) == []


def test_a_correction_is_a_new_version_and_the_old_one_is_kept(
    web: tuple[TestClient, AuditLog, str],
) -> None:
    client, audit, url = web
    case_id = _worked_case(client, audit, "CTX-3", "46,XX[20]")
    headers = api_session(client, "pathologist")
    path = f"/api/cases/{case_id}/diagnosis/context"
    first = {"dysplasia_erythroid": "yes", "prior_cytotoxic_therapy": "no"}
    assert client.put(path, json={"values": first}, headers=headers).status_code == 200

    again = client.put(path, json={"values": {"dysplasia_erythroid": "no"}}, headers=headers)

    assert again.status_code == 200
    assert again.json()["values"] == {"dysplasia_erythroid": False}
    versions = _versions(url, case_id)
    assert [v for v, _ in versions] == [1, 2]
    assert versions[0][1] is not None and versions[1][1] is None


@pytest.mark.parametrize("username", ["nurse", "clinician", "patient", "lab", "morphologist"])
def test_those_who_do_not_judge_the_marrow_are_refused(
    web: tuple[TestClient, AuditLog, str], username: str
) -> None:
    client, _, _ = web
    headers = api_session(client, username)
    answer = client.put(
        "/api/cases/1/diagnosis/context", json={"values": {"prior_mds": "no"}}, headers=headers
    )
    assert answer.status_code == 403


def test_the_form_brings_every_error_back_beside_its_field_with_the_values_typed(
    web: tuple[TestClient, AuditLog, str],
) -> None:
    client, audit, url = web
    case_id = _worked_case(client, audit, "CTX-4", "46,XX[20]")
    api_session(client, "pathologist")
    page = client.get(f"/pathologist/cases/{case_id}")
    assert 'id="context-form"' in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]

    answer = client.post(
        f"/pathologist/cases/{case_id}/diagnosis/context",
        data={
            "csrf_token": token,
            "calcium_mmol_per_l": "11",  # mg/dL typed as mmol/L
            "creatinine_umol_per_l": "1.2",  # mg/dL typed as µmol/L
            "serum_m_protein_g_per_l": "28",
            "prior_mds": "yes",
        },
        follow_redirects=False,
    )

    assert answer.status_code == 422
    assert answer.text.count('class="field-error"') == 2
    assert 'value="28"' in answer.text  # the accepted entry is kept as typed
    assert "outside 0.5-6 mmol/L" in answer.text
    assert _versions(url, case_id) == []
