"""Time the pathway's persistence: seeding the whole demo case, reading a case back whole,
and one audited write (a CBC), on SQLite and, when configured, PostgreSQL.

    .venv/bin/python benchmarks/pathway_db.py
    MARROWSCOPE_TEST_POSTGRES_URL=postgresql+psycopg://... .venv/bin/python benchmarks/pathway_db.py

PostgreSQL runs in a throw-away schema that is dropped afterwards.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from marrowscope.services import cases, pathway

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.db_support import postgres_schema_url  # noqa: E402

from marrowscope.bootstrap import build_uow_factory  # noqa: E402
from marrowscope.db.engine import make_engine  # noqa: E402
from marrowscope.db.migrate import upgrade_database  # noqa: E402
from marrowscope.domain.roles import Actor, Role  # noqa: E402

# noqa: E402
from marrowscope.services.walkthrough import seed_demo_case  # noqa: E402

STAFF = Actor("bench", Role.CLINICIAN)


def _times(action: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        out.append(time.perf_counter() - began)
    return sorted(out)


def _line(label: str, seconds: list[float]) -> None:
    p95 = seconds[max(0, round(0.95 * len(seconds)) - 1)]
    print(  # noqa: T201 - a benchmark prints its figures
        f"{label:<44} median {statistics.median(seconds) * 1e3:8.1f} ms"
        f"   p95 {p95 * 1e3:8.1f} ms   (n={len(seconds)})"
    )


def run(backend: str, url: str) -> None:
    began = time.perf_counter()
    upgrade_database(url)
    migrate_s = time.perf_counter() - began
    engine = make_engine(url)
    factory = build_uow_factory(engine)
    began = time.perf_counter()
    case_id = seed_demo_case(factory).case_id
    seed_s = time.perf_counter() - began
    with factory() as uow:
        writes = len(uow.audit.for_case(case_id))
    print(  # noqa: T201
        f"[{backend}] migrate to heads {migrate_s * 1e3:.0f} ms; demo case CBC->follow-up "
        f"{seed_s * 1e3:.0f} ms ({writes} audited changes)"
    )

    def read() -> None:
        with factory() as uow:
            cases.load_case_record(uow, STAFF, case_id)

    def write() -> None:
        with factory() as uow:
            pathway.record_cbc(uow, STAFF, case_id, collected_at=uow.now(),
                               measurements={"hb": 101, "platelets": 55})  # fmt: skip

    _line(f"[{backend}] read the whole case back", _times(read, 50))
    _line(f"[{backend}] one audited CBC write (commit)", _times(write, 50))
    engine.dispose()


def main() -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")  # noqa: T201
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}")
    pg = os.environ.get("MARROWSCOPE_TEST_POSTGRES_URL")
    if pg:
        with postgres_schema_url(pg) as url:
            run("postgresql", url)


if __name__ == "__main__":
    main()
