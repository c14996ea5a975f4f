"""The per-address sign-in limit sees the real client: X-Forwarded-For is believed only
from a configured proxy (issue 17: a guesser could name a new address every attempt)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.services.accounts.auth import MAX_FAILURES_PER_CLIENT
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase


@pytest.fixture(scope="module")
def database_url(web_database: WebDatabase) -> str:
    url = web_database("xff")
    prepare_demo(Settings(database_url=url))
    return url


def _fail_once(client: TestClient, attempt: int, forwarded: str) -> int:
    answer = client.post(
        "/api/session",
        # A new username every time: only the per-address limit can stop these.
        json={"username": f"nobody{attempt}", "password": "wrong-password"},
        headers={"X-Forwarded-For": forwarded},
    )
    return answer.status_code


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url))
    with TestClient(app) as client:
        answers = [
            _fail_once(client, n, f"10.0.{n // 250}.{n % 250}")
            for n in range(MAX_FAILURES_PER_CLIENT + 1)
        ]

    assert answers[:MAX_FAILURES_PER_CLIENT] == [401] * MAX_FAILURES_PER_CLIENT
    assert answers[-1] == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(database_url: str) -> None:
    # TestClient connects as "testclient": here it plays the configured proxy.
    app = create_app(Settings(database_url=database_url, trusted_proxies="testclient"))
    with TestClient(app) as client:
        guesser = [
            _fail_once(client, n, "203.0.113.7, 198.51.100.9")
            for n in range(MAX_FAILURES_PER_CLIENT + 1)
        ]
        neighbour = _fail_once(client, 999, "203.0.113.7, 198.51.100.10")
        spoofed_left = _fail_once(client, 1000, "198.51.100.11, 198.51.100.9")

    assert guesser[-1] == 429
    assert neighbour == 401  # another client behind the same proxy is not locked out
    assert spoofed_left == 429  # only the right-most hop, written by our proxy, counts
