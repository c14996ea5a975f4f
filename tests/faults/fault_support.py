"""Writers under load, what the server acknowledged, and the check of what was stored.

A fault test starts ``marrowscope serve`` on loopback, runs writers that record every
write the server acknowledged (a 2xx answer), breaks something mid-write, brings it back
and then reads the database directly: every acknowledged write must be there, and every
row must be whole.

The writes are chosen so that a half-written row shows:

- slide counts: a save carries ``counts == {"NGS": version}``, so a stored count whose
  counts are not its own version's was torn between the two columns;
- laboratory results: the karyotype's ``metaphases_analysed`` is the writer's sequence
  number, so a stored version's payload is known exactly; versions run 1..n with only
  the last one current;
- report versions: each amendment's conclusion names its number; versions run 1..n, and
  each signed one has its canonical text and a complete PDF.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from marrowscope.services.accounts import DEMO_USERS

PASSWORDS = {u.username: u.password for u in DEMO_USERS}
BIN = Path(sys.executable).with_name("marrowscope")


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``marrowscope serve`` on a database, started, killed and started again."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "MARROWSCOPE_DATABASE_URL": self.database_url}
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN), "serve", "--port", str(self.port)], env=env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/login", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; log: {self._log}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no pending answer sent, no connection closed."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def signed_in(url: str, username: str) -> httpx.Client:
    """A client signed in as a demo user, sending its CSRF token on every request."""
    client = httpx.Client(base_url=url, timeout=10)
    answer = client.post(
        "/api/session", json={"username": username, "password": PASSWORDS[username]}
    )
    answer.raise_for_status()
    client.headers["X-CSRF-Token"] = str(answer.json()["csrf_token"])
    return client


@dataclass(frozen=True)
class Targets:
    """What the writers write to: slides being counted, a karyotype test, the case."""

    case_id: int
    count_ids: list[int]
    test_id: int


def prepare_targets(url: str, case_id: int, slides: int) -> Targets:
    """Open ``slides`` slides and bring one karyotype test to ``in_process``."""
    with closing(signed_in(url, "morphologist")) as morphologist:
        count_ids = []
        for n in range(slides):
            made = morphologist.post(
                f"/api/cases/{case_id}/slides", json={"slide_label": f"fault {n}"}
            )
            made.raise_for_status()
            count_ids.append(int(made.json()["id"]))
    with closing(signed_in(url, "nurse")) as nurse:
        specimen = nurse.post(
            f"/api/cases/{case_id}/specimens",
            json={"kind": "aspirate_heparin", "tests": ["karyotype"]},
        )
        specimen.raise_for_status()
    with closing(signed_in(url, "lab")) as lab:
        accession = specimen.json()["accession"]
        lab.post("/api/lab/receive", json={"accession": accession}).raise_for_status()
        test_id = int(specimen.json()["tests"][0]["id"])
        lab.post(f"/api/lab/tests/{test_id}/state", json={"state": "in_process"}).raise_for_status()
    return Targets(case_id, count_ids, test_id)


def karyotype(n: int) -> dict[str, Any]:
    """The ``n``-th result the writer posts: its number is in the payload."""
    return {"iscn": "46,XY[20]", "metaphases_analysed": n}


@dataclass
class Acks:
    """Every write the server answered with a 2xx, and how many were tried."""

    count_versions: dict[int, list[int]] = field(default_factory=dict)  # count id -> acked
    results: dict[int, dict[str, Any]] = field(default_factory=dict)  # version -> payload
    report_versions: dict[int, str] = field(default_factory=dict)  # version -> conclusion
    tried: int = 0
    acknowledged: int = 0
    refused: int = 0  # an answer that was not 2xx
    lost_answers: int = 0  # no answer (connection refused or cut)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def tally(self) -> str:
        return (
            f"tried {self.tried}, acknowledged {self.acknowledged}, refused {self.refused}, "
            f"no answer {self.lost_answers}"
        )


class Writers:
    """Threads that write until told to stop, recording what was acknowledged."""

    def __init__(self, url: str, targets: Targets) -> None:
        self.acks = Acks()
        self._url = url
        self._targets = targets
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        jobs: list[Callable[[], None]] = [
            *(lambda c=c: self._counter(c) for c in self._targets.count_ids),
            self._results,
            self._reports,
        ]
        self._threads = [threading.Thread(target=job, daemon=True) for job in jobs]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def wait_for(self, acknowledged: int, timeout_s: float = 60) -> None:
        """Until at least ``acknowledged`` writes were acknowledged (the load is on)."""
        deadline = time.monotonic() + timeout_s
        while self.acks.acknowledged < acknowledged:
            if time.monotonic() > deadline:
                raise AssertionError(f"the load never got going: {self.acks.tally()}")
            time.sleep(0.05)

    def _send(self, client: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response | None:
        with self.acks.lock:
            self.acks.tried += 1
        try:
            answer = client.post(path, json=body)
        except httpx.HTTPError:
            with self.acks.lock:
                self.acks.lost_answers += 1
            time.sleep(0.1)
            return None
        with self.acks.lock:
            if answer.is_success:
                self.acks.acknowledged += 1
            else:
                self.acks.refused += 1
        if not answer.is_success:
            time.sleep(0.1)
            return None
        return answer

    def _client(self, username: str) -> httpx.Client:
        while True:  # the server may be down when a writer (re)starts
            try:
                return signed_in(self._url, username)
            except httpx.HTTPError:
                if self._stop.wait(0.2):
                    raise

    def _counter(self, count_id: int) -> None:
        with closing(self._client("morphologist")) as client:
            version = 0
            while not self._stop.is_set():
                version += 3  # 20 presses/s, one save per 150 ms as the counter page
                body = {"version": version, "counts": {"NGS": version}}
                if self._send(client, f"/api/counts/{count_id}/state", body) is not None:
                    with self.acks.lock:
                        self.acks.count_versions.setdefault(count_id, []).append(version)
                self._stop.wait(0.15)

    def _results(self) -> None:
        path = f"/api/lab/tests/{self._targets.test_id}/result"
        with closing(self._client("lab")) as client:
            n = 0
            while not self._stop.is_set():
                n += 1
                body = {"result": karyotype(n), "correction_reason": f"fault test {n}"}
                answer = self._send(client, path, body)
                if answer is not None:
                    got = answer.json()
                    with self.acks.lock:
                        self.acks.results[int(got["version"])] = dict(got["payload"])

    def _reports(self) -> None:
        path = f"/api/cases/{self._targets.case_id}/report/amend"
        with closing(self._client("pathologist")) as client:
            n = 0
            while not self._stop.is_set():
                n += 1
                conclusion = f"Amendment {n} of the fault test."
                body = {
                    "fields": {"conclusion": conclusion},
                    "reason": f"fault test {n}",
                    "password": "pathologist-demo",
                }
                answer = self._send(client, path, body)
                if answer is not None:
                    current = answer.json()["current"]
                    with self.acks.lock:
                        self.acks.report_versions[int(current["version"])] = conclusion


@dataclass
class Stored:
    """What the database holds, and every row that is not whole."""

    present: int = 0
    missing: list[str] = field(default_factory=list)
    torn: list[str] = field(default_factory=list)


def check_stored(database_url: str, acks: Acks, targets: Targets) -> Stored:
    """Compare the database with the acknowledged writes, and look for torn rows."""
    stored = Stored()
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            _check_counts(conn, acks, targets, stored)
            _check_results(conn, acks, targets, stored)
            _check_reports(conn, acks, targets, stored)
    finally:
        engine.dispose()
    return stored


def _check_counts(conn: sa.Connection, acks: Acks, targets: Targets, stored: Stored) -> None:
    rows = conn.execute(
        sa.text("SELECT id, version, counts_json FROM slide_counts WHERE case_id = :c"),
        {"c": targets.case_id},
    ).all()
    by_id = {int(r.id): (int(r.version), json.loads(r.counts_json)) for r in rows}
    for count_id, versions in acks.count_versions.items():
        # the counter keeps the newest state: an acked save is present when the stored
        # version is it or a later one
        got = by_id.get(count_id)
        held = got[0] if got is not None else -1
        stored.present += sum(1 for v in versions if v <= held)
        if versions and versions[-1] > held:
            stored.missing.append(f"count {count_id}: acked version {versions[-1]}, stored {got}")
    for count_id in targets.count_ids:
        version, counts = by_id[count_id]
        expected = {"NGS": version} if version else {}
        if counts != expected:
            stored.torn.append(f"count {count_id}: version {version} holds {counts}")


def _check_results(conn: sa.Connection, acks: Acks, targets: Targets, stored: Stored) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT version, payload, superseded_at FROM lab_result WHERE lab_test_id = :t"
            " ORDER BY version"
        ),
        {"t": targets.test_id},
    ).all()
    payloads = {}
    for row in rows:
        payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
        payloads[int(row.version)] = payload
        sent = karyotype(int(payload.get("metaphases_analysed", -1)))
        if {key: payload.get(key) for key in sent} != sent:  # the service adds empty fields
            stored.torn.append(f"result version {row.version}: {payload}")
    versions = [int(r.version) for r in rows]
    if versions != list(range(1, len(versions) + 1)):
        stored.torn.append(f"result versions are not 1..n: {versions}")
    current = [int(r.version) for r in rows if r.superseded_at is None]
    if versions and current != [versions[-1]]:
        stored.torn.append(f"results current: {current} of {versions}")
    for version, payload in acks.results.items():
        if payloads.get(version) != payload:
            stored.missing.append(f"result version {version}: acked {payload}")
        else:
            stored.present += 1


def _check_reports(conn: sa.Connection, acks: Acks, targets: Targets, stored: Stored) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT version, status, fields_json, canonical_json, pdf FROM report_version"
            " WHERE case_id = :c ORDER BY version"
        ),
        {"c": targets.case_id},
    ).all()
    conclusions = {}
    for row in rows:
        conclusions[int(row.version)] = json.loads(row.fields_json).get("conclusion")
        pdf = bytes(row.pdf or b"")
        if row.status != "draft" and (
            not row.canonical_json or not pdf.startswith(b"%PDF") or b"%%EOF" not in pdf[-64:]
        ):
            stored.torn.append(f"report version {row.version}: signed without a whole PDF")
    versions = [int(r.version) for r in rows]
    if versions != list(range(1, len(versions) + 1)):
        stored.torn.append(f"report versions are not 1..n: {versions}")
    for version, conclusion in acks.report_versions.items():
        if conclusions.get(version) != conclusion:
            stored.missing.append(f"report version {version}: acked {conclusion!r}")
        else:
            stored.present += 1
