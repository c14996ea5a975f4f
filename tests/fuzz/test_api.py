"""Every operation of the app's OpenAPI schema, fuzzed with schemathesis as each role.

Each operation gets generated path ids, query values, forms and bodies, valid and not;
the same call is sent signed in as every demo role (session cookie + X-CSRF-Token, so
writes reach their checks instead of stopping at the CSRF guard) and signed out. No
answer may be a 5xx or carry a traceback. Sign-in, sign-out and password changes are
left out: they would end or change the sessions the rest of the run uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install -e '.[fuzz]'")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

from marrowscope.bootstrap import Settings, prepare_demo  # noqa: E402
from marrowscope.services.accounts import DEMO_USERS  # noqa: E402
from marrowscope.web.app import create_app  # noqa: E402
from tests.db_support import WebDatabase  # noqa: E402
from tests.fuzz.inputs import EXAMPLES  # noqa: E402
from tests.integration.api_support import api_session  # noqa: E402

pytestmark = pytest.mark.slow

ROLES = sorted({u.username for u in DEMO_USERS} - {"patient2"})
_SKIPPED = {"/api/session", "/api/me/password", "/account/password", "/login", "/logout"}
# The schema is the app's own (create_app builds it without touching a database).
SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="sqlite:///:memory:")).openapi()
)
OPERATIONS = {
    op.label: op
    for op in (result.ok() for result in SCHEMA.get_all_operations())
    if op.path not in _SKIPPED
}
TRIED: dict[str, int] = {}
STATUSES: dict[int, int] = {}


@pytest.fixture(scope="module")
def app(web_database: WebDatabase) -> FastAPI:
    settings = Settings(database_url=web_database("fuzz_api"))
    prepare_demo(settings)
    return create_app(settings)  # case.call(app=...) calls it in-process (ASGI)


@pytest.fixture(scope="module")
def sessions(app: FastAPI) -> Iterator[dict[str, dict[str, str]]]:
    """Each role's session headers (cookie and CSRF token), and none signed out."""
    headers: dict[str, dict[str, str]] = {"signed out": {}}
    for username in ROLES:
        with TestClient(app) as client:
            csrf = api_session(client, username)
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            headers[username] = {**csrf, "Cookie": cookie}
    yield headers
    tried = f"{sum(TRIED.values())} calls over {len(TRIED)} operations"
    print(f"\nschemathesis: {tried}, answers {dict(sorted(STATUSES.items()))}")  # noqa: T201


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_answer_is_a_server_error_or_a_traceback(
    label: str, app: FastAPI, sessions: dict[str, dict[str, str]]
) -> None:
    @settings(
        max_examples=max(2, EXAMPLES // 8),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=OPERATIONS[label].as_strategy())
    def each_role(case: Any) -> None:
        for username, headers in sessions.items():
            answer = case.call(headers=headers, app=app)
            TRIED[label] = TRIED.get(label, 0) + 1
            STATUSES[answer.status_code] = STATUSES.get(answer.status_code, 0) + 1
            where = f"{case.method} {case.formatted_path} as {username}"
            assert answer.status_code < 500, (
                f"{where}: {answer.status_code} {answer.content[:300]!r}"
            )
            assert b"Traceback" not in answer.content, where  # bytes: PDFs, images

    each_role()
