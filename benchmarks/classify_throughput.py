"""Cells per second of the shipped classifier on this CPU, JPEG decoding included.

Usage::

    .venv/bin/python benchmarks/classify_throughput.py [--model SIDECAR.json]
        [--images N] [--threads T ...] [--repeat R]

Reads N real cells from ``../shared/data/pbc`` (files, as a lab would pass them),
warms the session once, then times ``CellClassifier.classify_images`` end to end
(decode + resize + normalise + ONNX Runtime + calibration) and, separately, the
decoding and the model alone. Prints one line per thread count; the best of R
repeats is reported because other processes share the machine. In the same run, the
same is measured for a ResNet-18 at 128 px (benchmarks/resnet18_reference.py, exported
to ONNX here; needs PyTorch) so that the figure also reads as a ratio to that reference.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from marrowscope.ai.infer import CellClassifier, default_model_path

_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pbc"


def _best(seconds: list[float]) -> float:
    return min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=_DATA)
    args = parser.parse_args()

    files = sorted(args.data.rglob("*.jpg"))[
        :: max(1, len(list(args.data.rglob("*.jpg"))) // args.images)
    ]
    files = files[: args.images]
    for f in files:  # page the files into the OS cache: we time decoding, not the disk
        f.read_bytes()
    print(  # noqa: T201 (a benchmark prints its figures)
        f"cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"model {args.model.name}; {len(files)} images from {args.data}"
    )
    models = [args.model]
    with tempfile.TemporaryDirectory() as folder:
        try:
            from resnet18_reference import reference_sidecar

            models.append(reference_sidecar(args.model, Path(folder)))
        except ImportError:
            print("no PyTorch: the ResNet-18 reference is skipped")  # noqa: T201
        rates = {m.name: _measure(m, files, args) for m in models}
    if len(rates) == 2:
        ours, ref = rates[args.model.name], rates["resnet18_ref.json"]
        for threads in args.threads:
            print(  # noqa: T201
                f"threads={threads}: {args.model.stem} end to end {ours[threads]:.0f} cells/s = "
                f"{ours[threads] / ref[threads]:.1f}x the ResNet-18 reference's "
                f"{ref[threads]:.0f} cells/s"
            )


def _measure(model: Path, files: list[Path], args: argparse.Namespace) -> dict[int, float]:
    """End-to-end cells/s of ``model`` per thread count (and the breakdown, printed)."""
    out: dict[int, float] = {}
    for threads in args.threads:
        classifier = CellClassifier(model, threads=threads)
        size = classifier.spec.input_size
        classifier.classify_images(files[:64])  # warm-up
        end_to_end, decode_only, model_only = [], [], []
        for _ in range(args.repeat):
            began = time.perf_counter()
            predictions = classifier.classify_images(files)
            end_to_end.append(time.perf_counter() - began)
            began = time.perf_counter()
            pixels = np.stack([classifier.decode(f) for f in files])
            decode_only.append(time.perf_counter() - began)
            began = time.perf_counter()
            for start in range(0, len(pixels), 64):
                classifier.run(pixels[start : start + 64])
            model_only.append(time.perf_counter() - began)
        assert len(predictions) == len(files)
        n = len(files)
        out[threads] = n / _best(end_to_end)
        print(  # noqa: T201
            f"{model.stem} threads={threads}: end-to-end {n / _best(end_to_end):7.0f} cells/s | "
            f"decode only (1 thread) {n / _best(decode_only):7.0f} cells/s | "
            f"model only {n / _best(model_only):7.0f} cells/s "
            f"(input {size} px, batch 64)"
        )
    return out


if __name__ == "__main__":
    main()
