"""Orders over MLLP: how many an interface can send per second, and the ACK latency.

Starts the ``Listener`` in this process on a temporary SQLite database (the default
deployment) and has ``--clients`` python-hl7 ``MLLPClient`` connections send Cerner-style
ORM^O01 orders, one new patient each, in original acknowledgement mode. Each order is
stored raw, filed (patient registered, case opened, order placed, audited) and answered
before the next is sent on that connection, as an interface engine does.

Usage: .venv/bin/python benchmarks/mllp_orders.py [--clients 4] [--orders 40]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hl7.client import MLLPClient

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.interop.mllp import Listener, ack_code
from marrowscope.services.interop import HL7Receiver

_SERVICE = "BMBX^Bone Marrow Biopsy^L^33721-2^Bone marrow Pathology biopsy report^LN"


def _order(n: int) -> str:
    return (
        "\r".join(
            [
                f"MSH|^~\\&|CERNER|HNAM|MARROWSCOPE|HAEM|20260302081500||ORM^O01|B{n:06d}|P|2.3.1",
                f"PID|1||B{n:06d}^^^HOSP^MR||BENCH^PATIENT{n}||19600101|F",
                f"ORC|NW|B{n:06d}^HNAM_ORDERID||||^^^^^R||20260302081000",
                f"OBR|1|B{n:06d}^HNAM_ORDERID||{_SERVICE}|||||||||||||||||||||||"
                "^^^^^R||||blasts_in_blood^Blasts in blood^L",
            ]
        )
        + "\r"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--orders", type=int, default=40, help="orders per client")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade_database(url)
        listener = Listener(HL7Receiver(build_uow_factory(make_engine(url))), "127.0.0.1", 0)
        threading.Thread(target=listener.serve_forever, daemon=True).start()
        port = listener.address[1]

        def client(index: int) -> list[tuple[float, str]]:
            out = []
            with MLLPClient("127.0.0.1", port) as connection:
                for k in range(args.orders):
                    started = time.perf_counter()
                    answer = connection.send_message(_order(index * 100_000 + k))
                    out.append((time.perf_counter() - started, ack_code(answer)))
            return out

        began = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = [r for rs in pool.map(client, range(args.clients)) for r in rs]
        elapsed = time.perf_counter() - began
        listener.stop()
    latencies = sorted(t for t, _ in results)
    codes = {c for _, c in results}
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    lines = [
        f"{platform.machine()}, SQLite, {args.clients} connections",
        f"{len(results)} orders in {elapsed:.1f} s: {len(results) / elapsed:.1f} orders/s",
        f"ACK latency p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms",
        f"answers: {', '.join(sorted(codes))}",
    ]
    print("\n".join(lines))  # noqa: T201 - a benchmark prints its figures


if __name__ == "__main__":
    main()
