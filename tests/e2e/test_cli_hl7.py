"""``marrowscope hl7 listen`` and ``hl7 send`` as an interface analyst runs them.

The listener is the installed console script in its own process: it answers python-hl7's
``MLLPClient``, and SIGTERM stops it cleanly (status 0) after the message in hand.
``send`` delivers the demo's signed report to python-hl7's MLLP server; a receiver that
answers AE leaves the message failed and the command exits with 2.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import hl7
import pytest
from hl7.client import MLLPClient
from typer.testing import CliRunner

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.cli.app import app
from marrowscope.db.migrate import upgrade_database
from tests.integration.hl7_orders import cerner
from tests.integration.mllp_support import IndependentServer

BIN = Path(sys.executable).with_name("marrowscope")


@pytest.mark.skipif(not BIN.exists(), reason="console script not installed")
def test_the_listener_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hl7.db'}"
    upgrade_database(url)
    env = {**os.environ, "MARROWSCOPE_DATABASE_URL": url}
    process = subprocess.Popen(
        [str(BIN), "hl7", "listen", "--port", "0", "--idle-timeout", "5"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        banner = process.stdout.readline() if process.stdout else ""
        port = int(banner.rsplit(":", 1)[1].split()[0])
        with MLLPClient("127.0.0.1", port) as client:
            raw = client.send_message(cerner("CR-CLI-1").replace("|||AL|NE", "", 1))
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    finally:
        process.kill()

    assert banner.startswith("MLLP listener on 127.0.0.1:")
    assert str(hl7.parse(raw.decode().strip("\x0b\x1c\r")).segment("MSA")[1]) == "AA"
    assert process.returncode == 0 and "stopped" in err and "Traceback" not in err
    assert "accepted" in err and "GARCIA" not in err  # the log says what, never whom


def test_a_busy_port_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hl7.db'}"
    upgrade_database(url)
    monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", url)
    server = IndependentServer()
    try:
        answer = CliRunner().invoke(app, ["hl7", "listen", "--port", str(server.port)])
    finally:
        server.close()

    assert answer.exit_code == 2
    assert answer.output.startswith(f"error: --port: cannot listen on 127.0.0.1:{server.port}")


@pytest.mark.parametrize(("code", "status"), [("AA", 0), ("AE", 2)])
def test_send_delivers_the_signed_report_and_exits_2_when_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str, status: int
) -> None:
    url = f"sqlite:///{tmp_path / 'hl7.db'}"
    ids = prepare_demo(Settings(database_url=url))
    monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", url)
    server = IndependentServer(code)
    try:
        answer = CliRunner().invoke(
            app,
            ["hl7", "send", "--to", f"127.0.0.1:{server.port}", "--case", str(ids.case_id),
             "--attempts", "2", "--backoff", "0"],
        )  # fmt: skip
    finally:
        server.close()

    assert answer.exit_code == status, answer.output
    expected = "sent" if code == "AA" else "failed"
    assert f"(ORU^R01, case {ids.case_id}): {expected}" in answer.output
    assert len(server.received) == 1 and server.received[0].startswith("MSH|^~\\&|")


@pytest.mark.parametrize("to", ["nowhere", "host:", ":2575", "host:99999", "host:port"])
def test_send_refuses_a_bad_destination_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, to: str
) -> None:
    url = f"sqlite:///{tmp_path / 'hl7.db'}"
    upgrade_database(url)
    monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", url)

    answer = CliRunner().invoke(app, ["hl7", "send", "--to", to])

    assert answer.exit_code == 2 and answer.output.startswith("error: --to: expected HOST:PORT")
