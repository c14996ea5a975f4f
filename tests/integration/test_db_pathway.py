"""The acceptance tests of the pathway's persistence, on SQLite and PostgreSQL.

* One patient walked from CBC to follow-up in one process is read back whole, equal in
  every field and audit entry, by a fresh engine in another process.
* A writer killed (SIGKILL) in the middle of a transaction leaves no trace, and a
  writer killed while committing one pathway after another leaves only whole ones.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.services.cases import register_patient
from tests.db_support import database_url
from tests.integration.pathway_writer import STAFF, case_snapshot

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as u:
        yield u


def _writer(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.pathway_writer", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _wait_ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "READY":
        proc.kill()
        _, err = proc.communicate(timeout=30)
        pytest.fail(f"writer did not start: {line!r} {err[-2000:]}")


def test_a_case_walked_to_aftercare_reads_back_whole_after_a_restart(
    url: str, tmp_path: Path
) -> None:
    out = tmp_path / "written.json"
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.pathway_writer", "seed", url, str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    written = json.loads(out.read_text())

    engine = make_engine(url)
    with build_uow_factory(engine)() as uow:
        read = case_snapshot(uow, written["case_id"])
    engine.dispose()

    assert read["record"] == written["record"]
    assert read["audit"] == written["audit"]
    record = read["record"]
    assert record["stage"] == "followed_up"
    kinds = [r["kind"] for r in record["records"]]
    assert kinds == ["cbc", "order", "assessment", "procedure", "aftercare", "check_in"]
    assert len(record["specimens"]) == 4
    states = sorted(t["state"] for t in record["tests"])
    assert states == ["in_process"] + ["verified"] * 7
    karyotype = [r for r in record["results"] if "iscn" in r["payload"]]
    assert karyotype[0]["payload"]["iscn"] == "46,XY,del(5)(q31q33)[12]/46,XY[8]"
    assert len(read["audit"]) > 50
    assert all(a["actor"] for a in read["audit"])


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {
            t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
            for t in ("patient", "exam_case", "clinical_record", "audit_log")
        }
    engine.dispose()
    return counts


def _check_integrity(url: str) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        # every case, record and patient has its audit entry: nothing half-committed
        for table, entity in (("exam_case", "case"), ("patient", "patient")):
            orphans = conn.execute(
                sa.text(
                    f"SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM audit_log a "
                    "WHERE a.entity = :e AND a.entity_id = CAST(t.id AS VARCHAR(64)))"
                ),
                {"e": entity},
            ).scalar_one()
            assert orphans == 0, f"{table} rows without audit entries"
        unaudited = conn.execute(
            sa.text(
                "SELECT count(*) FROM clinical_record r WHERE NOT EXISTS "
                "(SELECT 1 FROM audit_log a "
                "WHERE a.entity = r.kind AND a.entity_id = CAST(r.id AS VARCHAR(64)))"
            )
        ).scalar_one()
        assert unaudited == 0
    engine.dispose()


def test_a_writer_killed_mid_transaction_leaves_no_trace(url: str) -> None:
    upgrade_database(url)
    before = _counts(url)
    proc = _writer("hold", url)
    _wait_ready(proc)

    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    assert proc.returncode == -signal.SIGKILL
    assert _counts(url) == before
    _check_integrity(url)
    engine = make_engine(url)  # the lock is gone: a new writer gets through at once
    with build_uow_factory(engine)() as uow:
        register_patient(uow, STAFF, mrn="KILL-1", family_name="After", given_name="Crash",
                         birth_date=date(1970, 1, 1), sex="male")  # fmt: skip
    engine.dispose()
    assert _counts(url)["patient"] == before["patient"] + 1


def test_a_writer_killed_between_and_during_commits_leaves_only_whole_pathways(url: str) -> None:
    upgrade_database(url)
    proc = _writer("stream", url)
    _wait_ready(proc)
    time.sleep(0.7)  # let it commit some more, then kill it wherever it is

    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    counts = _counts(url)
    assert counts["patient"] >= 3
    _check_integrity(url)
