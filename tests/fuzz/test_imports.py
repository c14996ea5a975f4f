"""Imports fed bad input through the app: never a 5xx or a traceback, and a refused
import writes nothing (every table's row count is what it was before).

The CBC CSV goes through the clinician's upload form and FHIR CBCs through the API, as
a person or a system would send them; HL7 messages and FHIR orders through the import
services the CLI and the interface engine call (they always answer an ACK/outcome, so
a finding there is an "internal error" answer, i.e. an exception no check named).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from marrowscope.bootstrap import DemoIds, Settings, build_uow_factory, prepare_demo
from marrowscope.db.engine import make_engine
from marrowscope.services import interop
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase
from tests.fuzz.inputs import FUZZ, json_documents, mutated_text, texts
from tests.fuzz.test_parsers import FHIR_CBC, ORDER, ORU, SERVICE_REQUEST
from tests.integration.api_support import api_session

pytestmark = pytest.mark.slow

# Sign-in and session rows are written by the test's own requests, not by the import.
_NOT_COMPARED = {"web_sessions", "sign_in_failures", "alembic_version"}
CBC_CSV = "analyte,value,unit\nhb,6.8,g/dL\nplatelets,18,x10^9/L\nwbc,2.1,\n"
INTERNAL = "internal error"


class _App:
    def __init__(self, url: str, client: TestClient, ids: DemoIds) -> None:
        self.url, self.client, self.ids = url, client, ids
        self.engine = make_engine(url)
        self.factory: UnitOfWorkFactory = build_uow_factory(self.engine)
        self.clinician = api_session(client, "clinician")  # once: sign-in hashes slowly

    def row_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {
                name: int(conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in names
                if name not in _NOT_COMPARED
            }


@pytest.fixture(scope="module")
def app(web_database: WebDatabase) -> Iterator[_App]:
    settings = Settings(database_url=web_database("fuzz_imports"))
    ids = prepare_demo(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        fixture = _App(settings.database_url, client, ids)
        yield fixture
        fixture.engine.dispose()


def _answered_cleanly(status: int, body: str) -> None:
    assert status < 500, body[:500]
    assert "Traceback" not in body


@FUZZ
@given(
    st.one_of(
        texts.map(str.encode),
        mutated_text(CBC_CSV).map(str.encode),
        st.binary(max_size=200),
    )
)
def test_a_cbc_file_is_filed_or_refused_with_nothing_written(app: _App, data: bytes) -> None:
    headers = app.clinician
    before = app.row_counts()
    answer = app.client.post(
        f"/clinician/cases/{app.ids.case_id}/cbc/import",
        data={"csrf_token": headers["X-CSRF-Token"]},
        files={"file": ("cbc.csv", data, "text/csv")},
        follow_redirects=False,
    )
    _answered_cleanly(answer.status_code, answer.text)
    if answer.status_code >= 400:
        assert app.row_counts() == before


@FUZZ
@given(st.one_of(json_documents(FHIR_CBC), json_documents(FHIR_CBC["entry"][0]["resource"])))
def test_a_fhir_cbc_is_filed_or_refused_with_nothing_written(app: _App, document: Any) -> None:
    headers = app.clinician
    before = app.row_counts()
    answer = app.client.post(
        f"/api/cases/{app.ids.case_id}/cbc/fhir",
        content=json.dumps(document),
        headers={**headers, "Content-Type": "application/json"},
    )
    _answered_cleanly(answer.status_code, answer.text)
    if answer.status_code >= 400:
        assert app.row_counts() == before


@FUZZ
@given(st.one_of(texts, mutated_text(ORU), mutated_text(ORDER), mutated_text(ORU).map(str.encode)))
def test_an_hl7_message_is_filed_or_refused_with_nothing_written(
    app: _App, message: str | bytes
) -> None:
    before = app.row_counts()
    with app.factory() as uow:
        outcome = interop.import_hl7_message(uow, message)
    assert INTERNAL not in (outcome.error or ""), outcome.error
    if not outcome.accepted:
        assert app.row_counts() == before


@FUZZ
@given(st.one_of(json_documents(SERVICE_REQUEST).map(json.dumps), texts))
def test_a_fhir_order_is_filed_or_refused_with_nothing_written(app: _App, text: str) -> None:
    before = app.row_counts()
    with app.factory() as uow:
        outcome = interop.import_fhir_order(uow, text)
    assert INTERNAL not in (outcome.error or ""), outcome.error
    if not outcome.accepted:
        assert app.row_counts() == before
