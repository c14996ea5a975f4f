"""Reads of patient data and permission refusals leave audit entries (docs/audit.md):
a case page, a record, a PDF and an export each once, with who read which case."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.integration.api_support import api_session, demo_web


def _entries(client: TestClient, since: int) -> list[tuple[str, str, str, int | None, str]]:
    engine = sa.create_engine(client.app.state.ctx.settings.database_url)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT actor_username, action, entity_id, case_id, changes FROM audit_log "
            f"WHERE seq > {since} ORDER BY seq"
        ).all()
    engine.dispose()
    return [(r[0], r[1], r[2], r[3], str(r[4])) for r in rows]


def _last(client: TestClient) -> int:
    engine = sa.create_engine(client.app.state.ctx.settings.database_url)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        last = int(conn.exec_driver_sql("SELECT max(seq) FROM audit_log").scalar_one())
    engine.dispose()
    return last


def test_case_page_record_and_pdf_reads_are_audited_once_each(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (client, ids):
        api_session(client, "pathologist")
        since = _last(client)

        page = client.get(f"/pathologist/cases/{ids.case_id}")
        record = client.get(f"/api/cases/{ids.case_id}/record")
        pdf = client.get(f"/pathologist/cases/{ids.case_id}/report.pdf")
        views = [e for e in _entries(client, since) if e[1] == "view"]

    assert (page.status_code, record.status_code, pdf.status_code) == (200, 200, 200)
    assert [(e[0], e[3]) for e in views] == [("pathologist", ids.case_id)] * 3
    assert "/pathologist/cases/{case_id}/report.pdf" in views[2][4]


def test_an_export_is_audited_once_not_twice(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (client, ids):
        api_session(client, "pathologist")
        since = _last(client)

        answer = client.get(f"/api/cases/{ids.case_id}/fhir")
        views = [e for e in _entries(client, since) if e[1] == "view"]

    assert answer.status_code == 200
    assert len(views) == 1 and "fhir" in views[0][4]


def test_a_refused_read_is_audited_as_a_refusal_not_a_read(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (client, ids):
        api_session(client, "patient")
        since = _last(client)

        answer = client.get(f"/pathologist/cases/{ids.case_id}")
        entries = _entries(client, since)

    assert answer.status_code == 403
    assert [(e[0], e[1], e[3]) for e in entries] == [("patient", "refused", ids.case_id)]


def test_a_page_without_patient_data_is_not_audited(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (client, _ids):
        api_session(client, "pathologist")
        since = _last(client)

        answer = client.get("/account/password")
        entries = _entries(client, since)

    assert answer.status_code == 200 and entries == []
