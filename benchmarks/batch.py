"""Throughput of ``marrowscope batch classify`` (1 and 2 workers, process pool and Ray)
beside a plain single-process ``marrowscope classify`` over the same images, same run.

Every figure is a whole command run as a subprocess (start-up, model load, JPEG
decoding, thumbnails and, for the batch, filing each slide in the database): what a
person waits for. Slides are folders of PBC single-cell images from ../shared/data/pbc.

    .venv/bin/python benchmarks/batch.py [--slides 6] [--cells 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PBC = ROOT.parent / "shared" / "data" / "pbc"
BIN = Path(sys.executable).parent / "marrowscope"


def _backlog(target: Path, slides: int, cells: int) -> int:
    """``slides`` folders of ``cells`` images, classes mixed round-robin; the image count."""
    classes = sorted(p for p in PBC.iterdir() if p.is_dir())
    pools = [sorted(c.glob("*.jpg")) for c in classes]
    n = 0
    for s in range(slides):
        folder = target / f"slide-{s + 1:03d}"
        folder.mkdir(parents=True)
        for i in range(cells):
            pool = pools[(s * cells + i) % len(pools)]
            source = pool[(s * cells + i) // len(pools) % len(pool)]
            shutil.copy(source, folder / f"{i:04d}_{source.name}")
            n += 1
    return n


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slides", type=int, default=6)
    parser.add_argument("--cells", type=int, default=100)
    args = parser.parse_args()
    engines = ["processes"]
    try:
        import ray  # noqa: F401

        engines.append("ray")
    except ImportError:
        print("ray is not installed (pip install -e '.[cluster]'): process pool only")  # noqa: T201
    with tempfile.TemporaryDirectory() as tmp:
        backlog = Path(tmp) / "backlog"
        images = _backlog(backlog, args.slides, args.cells)
        print(f"{args.slides} slides x {args.cells} cells = {images} images, {os.cpu_count()} CPUs")  # noqa: T201
        plain = _run([str(BIN), "classify", str(backlog), "--csv"], dict(os.environ))
        rows = [("plain classify (1 process)", plain)]
        for engine in engines:
            for workers in (1, 2):
                db = Path(tmp) / f"{engine}{workers}.db"
                env = {**os.environ, "MARROWSCOPE_DATABASE_URL": f"sqlite:///{db}"}
                env.setdefault("RAY_USAGE_STATS_ENABLED", "0")
                _run([str(BIN), "case", "demo"], env)
                (backlog / ".marrowscope-batch.json").unlink(missing_ok=True)
                took = _run(
                    [str(BIN), "batch", "classify", str(backlog), "--case", "1",
                     "--engine", engine, "--workers", str(workers)],
                    env,
                )  # fmt: skip
                rows.append((f"batch {engine}, {workers} worker(s)", took))
        print(f"{'run':<30}{'s':>8}{'cells/s':>10}{'slides/min':>12}{'vs plain':>10}")  # noqa: T201
        for name, took in rows:
            print(  # noqa: T201 (a benchmark prints its figures)
                f"{name:<30}{took:>8.1f}{images / took:>10.0f}"
                f"{args.slides / took * 60:>12.1f}{plain / took:>10.2f}"
            )


if __name__ == "__main__":
    main()
