"""SIGKILL of the web server mid-write under load loses no acknowledged write (issue 17).

Slide counts (8 counters at 20 presses/s), laboratory result corrections and report
amendments are written concurrently; the server is killed with SIGKILL while they run,
started again on the same database, and the database is read directly: every write that
got a 2xx answer is there, and no count, result or report version is half-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from marrowscope.bootstrap import Settings, prepare_demo

from .. import db_support
from .fault_support import BIN, Server, Writers, check_stored, prepare_targets

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not BIN.exists(), reason="console script not installed"),
]
SLIDES = 8


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield db_support.sqlite_url(tmp_path)
        return
    base = db_support.postgres_base_url()
    if base is None:
        pytest.skip(f"{db_support.POSTGRES_ENV} is not set")
    with db_support.postgres_database_url(base) as url:
        yield url


def test_a_killed_server_loses_no_acknowledged_write(database_url: str, tmp_path: Path) -> None:
    ids = prepare_demo(Settings(database_url=database_url))
    server = Server(database_url, tmp_path / "server.log")
    server.start()
    try:
        targets = prepare_targets(server.url, ids.case_id, SLIDES)
        writers = Writers(server.url, targets)
        writers.start()
        writers.wait_for(acknowledged=150)

        server.kill()
        writers.stop()
        server.start()
    finally:
        server.stop()
    stored = check_stored(database_url, writers.acks, targets)

    print(f"\n{writers.acks.tally()}; present {stored.present}")  # noqa: T201 - the figure
    assert writers.acks.acknowledged >= 150
    assert stored.missing == []
    assert stored.torn == []
    assert stored.present == writers.acks.acknowledged
