"""Load test on loopback: per-route throughput and p50/p95/p99, marrowscope vs a floor.

Traffic, for ``--seconds`` after a ``--warmup`` that is not recorded:

- ``--counters`` morphologists, each signed in with a session of their own, counting at
  20 key presses per second. Like the counter
  page (static/counter.js), each batches the presses of 150 ms into one
  ``POST /api/counts/{id}/state`` carrying the new version (+3 presses) and the counts,
  with at most one save in flight: ~6.7 saves/s per counter when the server keeps up.
- 2 laboratory scientists polling the karyotype worklist page and the overdue list (1/s).
- 2 pathologists viewing the report as JSON and the case's report page (1/s).
- 2 API readers listing cases and reading the case's slide counts (2/s).

Each target is served by uvicorn in its own process on 127.0.0.1, as ``marrowscope
serve`` runs it: the floor (benchmarks/floor_app.py, a constant answer), marrowscope on
SQLite, marrowscope on PostgreSQL (a fresh database on the server named by
``--postgres-url``, dropped afterwards). The driver is asyncio + httpx, one client per
virtual user, in this process; it shares the CPU with the server, the same for every
target, which is why the overhead is given as a ratio to the floor measured in the same
run. Every loop is bounded by time and stops by itself.

The tail of a loaded two-core machine moves from run to run (a p95 ratio of 1.7x in one
run and 4.7x in the next, same code): ``--rounds N`` runs the floor and the targets N
times, interleaved, pools their timings and prints each round's ratio and the median.

Usage: .venv/bin/python benchmarks/load.py [--counters 50] [--seconds 20]
       [--engines sqlite postgresql] [--postgres-url URL] [--workers N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.services.accounts import DEMO_USERS

PASSWORDS = {u.username: u.password for u in DEMO_USERS}
HERE = Path(__file__).resolve().parent
DEFAULT_PG = os.environ.get(
    "MARROWSCOPE_TEST_POSTGRES_URL",
    "postgresql+psycopg://marrowscope:marrowscope@127.0.0.1:5432/marrowscope_test",
)
SAVE = "POST /api/counts/{id}/state"
BATCH_S = 0.150  # the counter page's batching of key presses (static/counter.js)
PRESSES_PER_BATCH = 3  # 20 presses/s x 150 ms


@dataclass
class Route:
    """Timings (ms) and failures of one route during the recorded window."""

    timings_ms: list[float] = field(default_factory=list)
    failures: int = 0
    first_failure: str = ""


@dataclass
class Target:
    """A served app and what the load recorded against it."""

    name: str
    routes: dict[str, Route] = field(default_factory=dict)
    seconds: float = 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _served(argv: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """Run a uvicorn process on loopback until the block ends; its base URL."""
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {argv[:3]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


WORKERS = [1]  # server processes per target (--workers), the same for the floor


def _floor(port: int) -> list[str]:
    # uvicorn's options as cli/serve.py's run_server passes them
    return [
        sys.executable, "-m", "uvicorn", "floor_app:app", "--app-dir", str(HERE),
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
        "--log-level", "info", "--no-proxy-headers", "--workers", str(WORKERS[0]),
    ]  # fmt: skip


def _marrowscope(port: int) -> list[str]:
    return [
        str(Path(sys.executable).with_name("marrowscope")), "serve", "--port", str(port),
        "--workers", str(WORKERS[0]),
    ]  # fmt: skip


@dataclass(frozen=True)
class Session:
    """A signed-in demo user: cookies and CSRF token to share among virtual users."""

    cookies: httpx.Cookies
    csrf: str


def _sign_in(url: str, username: str) -> Session:
    with httpx.Client(base_url=url, timeout=30) as client:
        answer = client.post(
            "/api/session", json={"username": username, "password": PASSWORDS[username]}
        )
        answer.raise_for_status()
        return Session(httpx.Cookies(client.cookies), str(answer.json()["csrf_token"]))


@dataclass(frozen=True)
class Fixture:
    """What the virtual users act on: sessions, the case, one slide per counter."""

    sessions: dict[str, Session]
    case_id: int
    count_ids: list[int]
    counter_sessions: list[Session]  # each counter signed in on its own, as people are


def _fixture(url: str, case_id: int, counters: int) -> Fixture:
    sessions = {name: _sign_in(url, name) for name in ("morphologist", "lab", "pathologist")}
    morphologist = sessions["morphologist"]
    count_ids = []
    with httpx.Client(base_url=url, timeout=30, cookies=morphologist.cookies) as client:
        for n in range(counters):
            made = client.post(
                f"/api/cases/{case_id}/slides",
                json={"slide_label": f"load {n} {uuid.uuid4().hex[:6]}"},
                headers={"X-CSRF-Token": morphologist.csrf},
            )
            made.raise_for_status()
            count_ids.append(int(made.json()["id"]))
    own = [_sign_in(url, "morphologist") for _ in range(counters)]
    return Fixture(sessions, case_id, count_ids, own)


def _floor_fixture(counters: int) -> Fixture:
    nobody = Session(httpx.Cookies(), "")
    names = ("morphologist", "lab", "pathologist")
    return Fixture(
        dict.fromkeys(names, nobody), 1, list(range(1, counters + 1)), [nobody] * counters
    )


async def _drive(url: str, fixture: Fixture, seconds: float, warmup: float) -> Target:
    """Run every virtual user until the time is up; the recorded routes."""
    target = Target(name="")
    start = time.perf_counter()
    record_from = start + warmup
    end = record_from + seconds

    async def call(client: httpx.AsyncClient, route: str, send: Awaitable[httpx.Response]) -> None:
        began = time.perf_counter()
        try:
            answer = await send
            status = str(answer.status_code) if answer.status_code >= 400 else ""
        except httpx.HTTPError as error:
            status = type(error).__name__
        if began < record_from:
            return
        got = target.routes.setdefault(route, Route())
        got.timings_ms.append(1000 * (time.perf_counter() - began))
        if status:
            got.failures += 1
            got.first_failure = got.first_failure or status

    def client_of(role: str, session: Session | None = None) -> httpx.AsyncClient:
        session = session or fixture.sessions[role]
        return httpx.AsyncClient(
            base_url=url, timeout=30, cookies=session.cookies,
            headers={"X-CSRF-Token": session.csrf},
        )  # fmt: skip

    async def counter(count_id: int, session: Session) -> None:
        async with client_of("morphologist", session) as client:
            version = 0
            due = time.perf_counter()
            while time.perf_counter() < end:
                version += PRESSES_PER_BATCH
                body = {"version": version, "counts": {"NGS": version}}
                await call(client, SAVE, client.post(f"/api/counts/{count_id}/state", json=body))
                due = max(due + BATCH_S, time.perf_counter())  # one save in flight, no burst
                await asyncio.sleep(due - time.perf_counter())

    async def reader(role: str, period_s: float, routes: list[tuple[str, str]]) -> None:
        async with client_of(role) as client:
            due = time.perf_counter()
            while time.perf_counter() < end:
                for route, path in routes:
                    await call(client, route, client.get(path))
                due = max(due + period_s, time.perf_counter())
                await asyncio.sleep(due - time.perf_counter())

    case = fixture.case_id
    lab = [
        ("GET /lab/worklists/karyotype", "/lab/worklists/karyotype"),
        ("GET /api/lab/overdue", "/api/lab/overdue"),
    ]
    reports = [
        ("GET /api/cases/{id}/report", f"/api/cases/{case}/report"),
        ("GET /pathologist/cases/{id}", f"/pathologist/cases/{case}"),
    ]
    api = [
        ("GET /api/cases", "/api/cases"),
        ("GET /api/cases/{id}/counts", f"/api/cases/{case}/counts"),
    ]
    await asyncio.gather(
        *(counter(c, s) for c, s in zip(fixture.count_ids, fixture.counter_sessions, strict=True)),
        *(reader("lab", 1.0, lab) for _ in range(2)),
        *(reader("pathologist", 1.0, reports) for _ in range(2)),
        *(reader("lab", 0.5, api) for _ in range(2)),
    )
    target.seconds = time.perf_counter() - record_from
    return target


def _run(name: str, argv_of: Callable[[int], list[str]], env: dict[str, str],
         make_fixture: Callable[[str], Fixture], args: argparse.Namespace) -> Target:  # fmt: skip
    port = _free_port()
    with _served(argv_of(port), env, port) as url:
        fixture = make_fixture(url)
        target = asyncio.run(_drive(url, fixture, args.seconds, args.warmup))
    target.name = name
    return target


@contextmanager
def _postgres_database(base_url: str) -> Iterator[str]:
    name = f"load_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield sa.make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _engine_run(engine: str, args: argparse.Namespace) -> Target:
    with tempfile.TemporaryDirectory() as folder:
        with (
            _postgres_database(args.postgres_url)
            if engine == "postgresql"
            else _nullcontext(f"sqlite:///{Path(folder) / 'load.db'}")
        ) as database_url:
            ids = prepare_demo(Settings(database_url=database_url))
            env = dict(os.environ, MARROWSCOPE_DATABASE_URL=database_url)
            return _run(
                f"marrowscope, {engine}", _marrowscope, env,
                lambda url: _fixture(url, ids.case_id, args.counters), args,
            )  # fmt: skip


@contextmanager
def _nullcontext(value: str) -> Iterator[str]:
    yield value


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _report(targets: list[Target], args: argparse.Namespace) -> str:
    floor = targets[0]
    lines = [
        f"load: {args.counters} counters at 20 presses/s (one save per {BATCH_S * 1000:.0f} ms"
        f" batch), 2 lab, 2 pathologists, 2 API readers; {args.seconds:.0f} s recorded after"
        f" {args.warmup:.0f} s warm-up",
        f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), driver and server on it;"
        f" {WORKERS[0]} uvicorn process(es) per target on 127.0.0.1",
    ]
    header = f"{'route':<32} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    for target in targets:
        lines += ["", f"== {target.name}", header + f" {'p95/floor':>9} {'fail':>5}"]
        for route, got in sorted(target.routes.items()):
            floor_p95 = _pct(floor.routes[route].timings_ms, 95) if route in floor.routes else 0
            p95 = _pct(got.timings_ms, 95)
            ratio = f"{p95 / floor_p95:9.1f}" if floor_p95 else f"{'':>9}"
            fail = f"{got.failures:5d}" + (f" ({got.first_failure})" if got.failures else "")
            lines.append(
                f"{route:<32} {len(got.timings_ms):6d} {len(got.timings_ms) / target.seconds:7.1f}"
                f" {_pct(got.timings_ms, 50):8.1f} {p95:8.1f} {_pct(got.timings_ms, 99):8.1f}"
                f" {ratio} {fail}"
            )
    lines.append("")
    floor_save = _pct(floor.routes[SAVE].timings_ms, 95)
    for target in targets[1:]:
        save = target.routes[SAVE]
        times_floor = _pct(save.timings_ms, 95) / floor_save
        offered, rate = args.counters / BATCH_S, len(save.timings_ms) / target.seconds
        lines.append(
            f"{target.name}: counter-save p95 {times_floor:.1f}x the floor's (target <= 2x: "
            f"{'met' if times_floor <= 2 else 'NOT met'}); {rate:.0f}"
            f" saves/s of {offered:.0f} offered"
        )
    return "\n".join(lines)


def _pooled(rounds: list[list[Target]]) -> list[Target]:
    """Each target's timings over every round, as one target."""
    pooled = [Target(name=t.name) for t in rounds[0]]
    for targets in rounds:
        for into, got in zip(pooled, targets, strict=True):
            into.seconds += got.seconds
            for route, timings in got.routes.items():
                merged = into.routes.setdefault(route, Route())
                merged.timings_ms += timings.timings_ms
                merged.failures += timings.failures
                merged.first_failure = merged.first_failure or timings.first_failure
    return pooled


def _round_ratios(rounds: list[list[Target]]) -> str:
    """The counter-save p95 ratio of each target in each round, and their median."""
    lines = ["", "counter-save p95 / floor p95, round by round (floor and targets interleaved):"]
    for position, target in enumerate(rounds[0][1:], start=1):
        ratios = [
            _pct(r[position].routes[SAVE].timings_ms, 95) / _pct(r[0].routes[SAVE].timings_ms, 95)
            for r in rounds
        ]
        shown = ", ".join(f"{x:.1f}x" for x in ratios)
        lines.append(f"  {target.name}: {shown}; median {statistics.median(ratios):.1f}x")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counters", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="recorded, per target")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default=DEFAULT_PG, help="server to create a DB on")
    parser.add_argument("--workers", type=int, default=1, help="server processes per target")
    parser.add_argument(
        "--rounds", type=int, default=1,
        help="floor and targets run again this many times, interleaved; pooled figures",
    )  # fmt: skip
    args = parser.parse_args()
    WORKERS[0] = args.workers
    env = dict(os.environ)
    rounds = []
    for _ in range(args.rounds):
        targets = [
            _run("floor: minimal FastAPI app, constant answer", _floor, env,
                 lambda _url: _floor_fixture(args.counters), args)
        ]  # fmt: skip
        for engine in args.engines:
            targets.append(_engine_run(engine, args))
        rounds.append(targets)
    report = _report(_pooled(rounds), args)
    if args.rounds > 1:
        report += _round_ratios(rounds)
    print(report)  # noqa: T201 - a benchmark prints its figures


if __name__ == "__main__":
    main()
