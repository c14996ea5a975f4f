"""Latency of the web app under load: p50 / p95 of key routes with concurrent clients.

Starts ``marrowscope serve`` (one uvicorn process, as ``make run`` does) on a temporary
SQLite database prepared like the demo, signs in one client per thread, and has every
client hit each route in turn. The counter's save (``POST /api/counts/{id}/state``) is
the route that must keep up with a trained hand: at 20 key presses per second the page
sends at most ~7 saves per second per counter (one per 150 ms batch).

Usage: .venv/bin/python benchmarks/web_latency.py [--clients 8] [--requests 40]
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.services.accounts import DEMO_USERS

PASSWORDS = {u.username: u.password for u in DEMO_USERS}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = dict(os.environ, MARROWSCOPE_DATABASE_URL=database_url)
    script = str(Path(sys.executable).parent / "marrowscope")
    process = subprocess.Popen(
        [script, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/login", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def _signed_in(url: str, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=30)
    answer = client.post(
        "/api/session", json={"username": username, "password": PASSWORDS[username]}
    )
    answer.raise_for_status()
    return client, str(answer.json()["csrf_token"])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40, help="per client and route")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        ids = prepare_demo(Settings(database_url=database_url))
        process, url = _start(database_url)
        try:
            setup, csrf = _signed_in(url, "morphologist")
            count_ids = []
            for n in range(args.clients):
                made = setup.post(
                    f"/counter/cases/{ids.case_id}/slides",
                    data={"slide_label": f"bench {n}", "csrf_token": csrf},
                    follow_redirects=False,
                )
                count_ids.append(int(made.headers["location"].rsplit("/", 1)[1]))

            sign_in_ms = []
            for _ in range(5):
                started = time.perf_counter()
                _signed_in(url, "pathologist")[0].close()
                sign_in_ms.append(1000 * (time.perf_counter() - started))

            routes = [
                ("GET /counter (case list)", "GET", "/counter"),
                ("GET /counter/counts/{id} (counter page)", "GET", "/counter/counts/{id}"),
                ("POST /api/counts/{id}/state (counter save)", "POST", "/api/counts/{id}/state"),
                ("GET /api/cases/{id}/counts (JSON)", "GET", f"/api/cases/{ids.case_id}/counts"),
                ("GET /login (no session)", "GET", "/login"),
            ]
            results: dict[str, list[float]] = {name: [] for name, _, _ in routes}
            errors: list[str] = []
            lock = threading.Lock()
            wall: dict[str, float] = {}

            for name, method, template in routes:
                barrier = threading.Barrier(args.clients)

                def worker(
                    n: int,
                    name: str = name,
                    method: str = method,
                    template: str = template,
                    barrier: threading.Barrier = barrier,
                ) -> None:
                    if template == "/login":
                        client, token = httpx.Client(base_url=url, timeout=30), ""
                    else:
                        client, token = _signed_in(url, "morphologist")
                    path = template.replace("{id}", str(count_ids[n]))
                    timings = []
                    barrier.wait()
                    for i in range(args.requests):
                        started = time.perf_counter()
                        if method == "GET":
                            answer = client.get(path)
                        else:
                            answer = client.post(
                                path,
                                json={"version": i + 1, "counts": {"NGS": i + 1}},
                                headers={"X-CSRF-Token": token},
                            )
                        timings.append(1000 * (time.perf_counter() - started))
                        if answer.status_code != 200:
                            with lock:
                                errors.append(f"{name}: {answer.status_code}")
                    client.close()
                    with lock:
                        results[name].extend(timings)

                threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.clients)]
                started = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                wall[name] = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=10)

    _report(args.clients, args.requests, results, wall, sign_in_ms, errors)


def _report(
    clients: int,
    requests: int,
    results: dict[str, list[float]],
    wall: dict[str, float],
    sign_in_ms: list[float],
    errors: list[str],
) -> None:
    lines = [
        f"web latency: {clients} concurrent clients x {requests} requests per route",
        f"machine: {platform.machine()}, {os.cpu_count()} CPU(s); one uvicorn process, SQLite",
        f"{'route':<46} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>8}",
    ]
    for name, timings in results.items():
        rate = len(timings) / wall[name]
        lines.append(
            f"{name:<46} {statistics.median(timings):8.1f} {_percentile(timings, 0.95):8.1f} "
            f"{max(timings):8.1f} {rate:8.0f}"
        )
    lines.append(
        f"{'POST /api/session (argon2 sign-in, serial)':<46} "
        f"{statistics.median(sign_in_ms):8.1f} {'':>8} {max(sign_in_ms):8.1f}"
    )
    lines.append(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print("\n".join(lines))  # noqa: T201 - a benchmark prints its figures


if __name__ == "__main__":
    main()
