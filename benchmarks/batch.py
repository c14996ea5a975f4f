"""Throughput of ``marrowscope batch classify|analyze`` (1 and 2 workers, process pool
and Ray) beside the plain single-process command over the same images, same run.

Every figure is a whole command run as a subprocess (start-up, model load, JPEG
decoding, thumbnails and, for the batch, filing each slide in the database): what a
person waits for. ``--kind classify``: slides are folders of PBC single-cell images from
../shared/data/pbc, against ``marrowscope classify``. ``--kind analyze``: slides are
folders of TXL-PBC smear fields, against ``marrowscope analyze`` run slide by slide
(which files into the database too).

    .venv/bin/python benchmarks/batch.py [--kind classify] [--slides 6] [--cells 100]
    .venv/bin/python benchmarks/batch.py --kind analyze [--slides 6] [--cells 10]
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
FIELDS = ROOT.parent / "shared" / "data" / "txl_pbc" / "images"
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


def _field_backlog(target: Path, slides: int, fields: int) -> int:
    """``slides`` folders of ``fields`` distinct TXL-PBC fields each; the field count."""
    pool = sorted(FIELDS.glob("*/*.jpg"))
    if len(pool) < slides * fields:
        raise SystemExit(f"only {len(pool)} fields in {FIELDS}")
    for s in range(slides):
        folder = target / f"slide-{s + 1:03d}"
        folder.mkdir(parents=True)
        for source in pool[s * fields : (s + 1) * fields]:
            shutil.copy(source, folder / source.name)
    return slides * fields


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
    parser.add_argument("--cells", type=int, default=100, help="images per slide")
    parser.add_argument("--kind", choices=["classify", "analyze"], default="classify")
    args = parser.parse_args()
    unit = "cells" if args.kind == "classify" else "fields"
    engines = ["processes"]
    try:
        import ray  # noqa: F401

        engines.append("ray")
    except ImportError:
        print("ray is not installed (pip install -e '.[cluster]'): process pool only")  # noqa: T201
    with tempfile.TemporaryDirectory() as tmp:
        backlog = Path(tmp) / "backlog"
        make = _backlog if args.kind == "classify" else _field_backlog
        images = make(backlog, args.slides, args.cells)
        shape = f"{args.slides} slides x {args.cells} {unit} = {images} images"
        print(f"{shape}, {os.cpu_count()} CPUs")  # noqa: T201
        plain = _plain(args.kind, backlog, Path(tmp))
        rows = [(f"plain {args.kind} (1 process)", plain)]
        for engine in engines:
            for workers in (1, 2):
                db = Path(tmp) / f"{engine}{workers}.db"
                env = {**os.environ, "MARROWSCOPE_DATABASE_URL": f"sqlite:///{db}"}
                env.setdefault("RAY_USAGE_STATS_ENABLED", "0")
                _run([str(BIN), "case", "demo"], env)
                for manifest in backlog.glob(".marrowscope-*.json"):
                    manifest.unlink()
                took = _run(
                    [str(BIN), "batch", args.kind, str(backlog), "--case", "1",
                     "--engine", engine, "--workers", str(workers)],
                    env,
                )  # fmt: skip
                rows.append((f"batch {engine}, {workers} worker(s)", took))
        print(f"{'run':<30}{'s':>8}{unit + '/s':>10}{'slides/min':>12}{'vs plain':>10}")  # noqa: T201
        for name, took in rows:
            print(  # noqa: T201 (a benchmark prints its figures)
                f"{name:<30}{took:>8.1f}{images / took:>10.0f}"
                f"{args.slides / took * 60:>12.1f}{plain / took:>10.2f}"
            )


def _plain(kind: str, backlog: Path, tmp: Path) -> float:
    """Seconds of the one-process command over the whole backlog."""
    if kind == "classify":
        return _run([str(BIN), "classify", str(backlog), "--csv"], dict(os.environ))
    env = {**os.environ, "MARROWSCOPE_DATABASE_URL": f"sqlite:///{tmp / 'plain.db'}"}
    _run([str(BIN), "case", "demo"], env)
    took = 0.0
    for slide in sorted(p for p in backlog.iterdir() if p.is_dir()):
        took += _run([str(BIN), "analyze", str(slide), "--case", "1"], env)
    return took


if __name__ == "__main__":
    main()
