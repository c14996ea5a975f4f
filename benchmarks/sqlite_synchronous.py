"""The cost of ``synchronous=FULL`` on SQLite in WAL mode: committed writes per second
with NORMAL and with FULL, in the same run, on the same disk, through the app's engine.

    .venv/bin/python benchmarks/sqlite_synchronous.py [--writes 1000] [--rounds 3]

Each write is one transaction of one small row (a counter save is about this size), so
the figure is the per-commit cost, the worst case for FULL. Rounds alternate between
the two settings so that a busy disk or CPU slows both alike.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from marrowscope.db.engine import SQLITE_SYNCHRONOUS, make_engine  # noqa: E402


def _engine(path: Path, synchronous: str) -> Engine:
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _override(dbapi_connection: Any, _record: Any) -> None:
        # Runs after the app's own listener: only the synchronous level differs.
        dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")

    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS w (id INTEGER PRIMARY KEY, v TEXT)"))
    return engine


def _writes_per_s(engine: Engine, writes: int) -> float:
    began = time.perf_counter()
    for n in range(writes):
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO w (v) VALUES (:v)"), {"v": f"state {n}"})
    return writes / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {"NORMAL": [], "FULL": []}
    with tempfile.TemporaryDirectory() as folder:
        engines = {level: _engine(Path(folder) / f"{level}.db", level) for level in results}
        for level, engine in engines.items():
            with engine.connect() as connection:
                got = connection.execute(text("PRAGMA synchronous")).scalar_one()
            assert got == {"NORMAL": 1, "FULL": 2}[level], got
        for _ in range(args.rounds):
            for level, engine in engines.items():
                results[level].append(_writes_per_s(engine, args.writes))
        for engine in engines.values():
            engine.dispose()
    print(f"SQLite {__import__('sqlite3').sqlite_version}, WAL, {platform.machine()}, ", end="")  # noqa: T201
    print(  # noqa: T201
        f"{args.writes} one-row commits x {args.rounds} rounds; the app uses {SQLITE_SYNCHRONOUS}"
    )
    normal = statistics.median(results["NORMAL"])
    full = statistics.median(results["FULL"])
    for level, median in (("NORMAL", normal), ("FULL", full)):
        print(f"  synchronous={level:<6}  {median:8.0f} writes/s (median of {args.rounds})")  # noqa: T201
    print(f"  FULL / NORMAL = {full / normal:.2f} (same run)")  # noqa: T201


if __name__ == "__main__":
    main()
