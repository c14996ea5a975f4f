"""Structured result forms on the lab worklist: tables, not JSON; errors by the field."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds, Settings, build_engine, build_uow_factory, prepare_demo
from marrowscope.domain.lab import TestState
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import lab
from marrowscope.services.accounts import DEMO_USERS
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase

PASSWORDS = {u.username: u.password for u in DEMO_USERS}
LAB = Actor("lab", Role.LAB_SCIENTIST)
NURSE = Actor("proceduralist", Role.PROCEDURALIST)


@pytest.fixture(scope="module")
def web(web_database: WebDatabase) -> Iterator[tuple[TestClient, DemoIds, Settings]]:
    settings = Settings(database_url=web_database("labforms"))
    ids = prepare_demo(settings)
    with TestClient(create_app(settings)) as client:
        yield client, ids, settings


def _sign_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    client.post(
        "/login",
        data={"username": username, "password": PASSWORDS[username], "csrf_token": token[1]},
        follow_redirects=False,
    )
    return str(client.get("/api/me").json()["csrf_token"])


def _test_in_process(settings: Settings, case_id: int, kind: str, test: str) -> int:
    factory = build_uow_factory(build_engine(settings))
    with factory() as uow:
        got = lab.collect_specimen(uow, NURSE, case_id, kind=kind, tests=[test])
        lab.receive_specimen(uow, LAB, got.specimen.accession)
        test_id = got.tests[0].id
        lab.advance_test(uow, LAB, test_id, TestState.IN_PROCESS)
    return test_id


def test_a_fish_result_is_entered_in_rows_and_shown_as_a_table(
    web: tuple[TestClient, DemoIds, Settings],
) -> None:
    client, ids, settings = web
    test_id = _test_in_process(settings, ids.case_id, "aspirate_heparin", "fish")
    csrf = _sign_in(client, "lab")

    answer = client.post(
        f"/lab/tests/{test_id}/result",
        data={
            "csrf_token": csrf,
            "back": "/lab/worklists/fish",
            "probe-0": "BCR::ABL1",
            "nuclei_scored-0": "200",
            "abnormal_nuclei-0": "30",
            "cutoff_percent-0": "1",
        },  # fmt: skip
        follow_redirects=False,
    )
    page = client.get("/lab/worklists/fish").text

    assert answer.status_code == 303
    assert "<th>Abnormal %</th>" in page and "<td>15</td>" in page
    assert "abnormal (above cut-off)" in page
    assert "DEMO, Daniel · MRN DEMO-0001 · case #" in page  # the patient, not the accession
    assert "\\u003e" not in page and '"probes"' not in page


def test_a_wrong_value_comes_back_next_to_its_field_with_what_was_typed(
    web: tuple[TestClient, DemoIds, Settings],
) -> None:
    client, ids, settings = web
    test_id = _test_in_process(settings, ids.case_id, "aspirate_edta", "molecular_panel")
    csrf = _sign_in(client, "lab")

    answer = client.post(
        f"/lab/tests/{test_id}/result",
        data={
            "csrf_token": csrf,
            "panel": "Myeloid 54",
            "gene-0": "JAK2",
            "hgvs_c-0": "1849G>T",
            "vaf_percent-0": "41.5",
            "classification-0": "pathogenic",
        },  # fmt: skip
    )

    assert answer.status_code == 422
    assert re.search(r'data-field="hgvs_c-0">[^<]*not HGVS', answer.text)
    assert 'value="1849G&gt;T"' in answer.text and 'value="Myeloid 54"' in answer.text


def test_an_old_free_json_result_still_reads_as_rows(
    web: tuple[TestClient, DemoIds, Settings],
) -> None:
    from marrowscope.domain.lab import TestType, result_table

    table = result_table(TestType.KARYOTYPE, {"comment": "failed culture", "metaphases": 0})

    assert table.rows == (("Comment", "failed culture"), ("Metaphases", "0"))
