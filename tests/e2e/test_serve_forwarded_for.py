"""``marrowscope serve`` does not let a client name its own address (issue 17).

uvicorn trusts X-Forwarded-For from loopback by default, so a guesser on the same host
(or behind any local proxy) could send a new address with every attempt and never meet
the per-address sign-in limit. A server of its own: the lock-out it provokes must not
reach the other browser tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.services.accounts.auth import MAX_FAILURES_PER_CLIENT

BIN = Path(sys.executable).with_name("marrowscope")
pytestmark = pytest.mark.skipif(not BIN.exists(), reason="console script not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("serve-xff")
    url = f"sqlite:///{folder / 'xff.db'}"
    prepare_demo(Settings(database_url=url))
    port = _free_port()
    env = {**os.environ, "MARROWSCOPE_DATABASE_URL": url}
    env.pop("MARROWSCOPE_TRUSTED_PROXIES", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
    with (folder / "server.log").open("w") as log:
        process = subprocess.Popen(
            [str(BIN), "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/login", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_a_new_forwarded_for_on_every_attempt_still_meets_the_address_limit(server: str) -> None:
    answers = []
    with httpx.Client(base_url=server, timeout=30) as client:
        for n in range(MAX_FAILURES_PER_CLIENT + 1):
            answer = client.post(
                "/api/session",
                json={"username": f"nobody{n}", "password": "wrong-password"},
                headers={"X-Forwarded-For": f"10.1.{n // 250}.{n % 250}"},
            )
            answers.append(answer.status_code)

    assert answers[:MAX_FAILURES_PER_CLIENT] == [401] * MAX_FAILURES_PER_CLIENT
    assert answers[-1] == 429
