"""``marrowscope hl7 send --every`` as a service: the installed console script in its
own process finds the demo's signed report by itself, delivers it once to python-hl7's
MLLP server however many passes run, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.cli.app import app
from tests.integration.mllp_support import IndependentServer

BIN = Path(sys.executable).with_name("marrowscope")


@pytest.mark.skipif(not BIN.exists(), reason="console script not installed")
def test_the_sender_service_sends_a_signed_report_once_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    prepare_demo(Settings(database_url=url))
    server = IndependentServer("AA")
    env = {**os.environ, "MARROWSCOPE_DATABASE_URL": url}
    process = subprocess.Popen(
        [str(BIN), "hl7", "send", "--to", f"127.0.0.1:{server.port}", "--every", "0.3",
         "--attempts", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not server.received and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # several more passes: none may send it again
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
        server.close()

    assert process.returncode == 0, err
    assert len(server.received) == 1 and server.received[0].startswith("MSH|^~\\&|")
    assert "report version 1: message 1 (queued)" in out and ": sent" in out
    assert "sender stopped" in err and "Traceback" not in err


@pytest.mark.parametrize("since", ["2026-13-01", "yesterday"])
def test_a_bad_since_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, since: str
) -> None:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    prepare_demo(Settings(database_url=url))
    monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", url)

    answer = CliRunner().invoke(app, ["hl7", "send", "--to", "127.0.0.1:9", "--since", since])

    assert answer.exit_code == 2
    assert answer.output.startswith("error: --since: expected a date YYYY-MM-DD")
