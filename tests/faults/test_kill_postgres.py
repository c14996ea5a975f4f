"""Stopping PostgreSQL at once (``-m immediate``) mid-write loses no acknowledged write.

``pg_ctlcluster VERSION main stop -m immediate`` ends every PostgreSQL process without a
checkpoint, as a crash or power cut would; on start the server replays its WAL. The web
server stays up through it: writes during the outage are refused (no 2xx), writes after
the restart are acknowledged again (the pool's pre-ping drops the dead connections), and
every acknowledged write is in the database, whole. The cluster is started again in a
``finally``, so the PostgreSQL server is running when the test ends, pass or fail.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from marrowscope.bootstrap import Settings, prepare_demo

from .. import db_support
from .fault_support import BIN, Server, Writers, check_stored, prepare_targets

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not BIN.exists(), reason="console script not installed"),
    pytest.mark.skipif(shutil.which("pg_ctlcluster") is None, reason="no Debian PostgreSQL"),
]
SLIDES = 8


def _cluster_version() -> str:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
    for line in listed.stdout.splitlines():
        version, name, *_ = line.split()
        if name == "main":
            return version
    pytest.skip("no 'main' PostgreSQL cluster")


def _pg_ctl(version: str, *action: str) -> None:
    subprocess.run(["pg_ctlcluster", version, "main", *action], check=True, timeout=120)


def _wait_ready(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    engine = sa.create_engine(url)
    try:
        while True:
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("SELECT 1")
                return
            except sa.exc.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        engine.dispose()


@pytest.fixture
def database_url() -> Iterator[str]:
    base = db_support.postgres_base_url()
    if base is None:
        pytest.skip(f"{db_support.POSTGRES_ENV} is not set")
    # its own, not db_support's: that one's admin connection would not survive the restart
    name = f"t_{uuid.uuid4().hex[:12]}"
    with sa.create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_postgres_stopped_at_once_loses_no_acknowledged_write(
    database_url: str, tmp_path: Path
) -> None:
    version = _cluster_version()
    ids = prepare_demo(Settings(database_url=database_url))
    server = Server(database_url, tmp_path / "server.log")
    server.start()
    try:
        targets = prepare_targets(server.url, ids.case_id, SLIDES)
        writers = Writers(server.url, targets)
        writers.start()
        writers.wait_for(acknowledged=150)
        try:
            _pg_ctl(version, "stop", "-m", "immediate")
            before_restart = writers.acks.acknowledged
            time.sleep(1)
        finally:
            _pg_ctl(version, "start")
        _wait_ready(database_url)
        writers.wait_for(acknowledged=before_restart + 100)  # the app writes again
        writers.stop()
    finally:
        server.stop()
        subprocess.run(["pg_ctlcluster", version, "main", "start"], check=False, timeout=120)
    stored = check_stored(database_url, writers.acks, targets)

    print(f"\n{writers.acks.tally()}; present {stored.present}")  # noqa: T201 - the figure
    assert writers.acks.refused + writers.acks.lost_answers > 0  # the outage was seen
    assert stored.missing == []
    assert stored.torn == []
    assert stored.present == writers.acks.acknowledged
