"""Validation and test macro F1 of trained runs, alone and averaged in pairs (or larger groups).

Why: averaging models (or orientations of one image) is the usual way to buy accuracy
with inference time; this prints what it buys on our split, so the model card can say
whether it is worth the cost, and what a distillation teacher scores. Needs the training
extra (PyTorch). A member is a run folder (``best.pt``) or a shipped sidecar (``.json``,
its ONNX graph), each reading the images its own way (size, crop, normalisation); all
must share one split, read from the first run folder's ``split.csv``.

    python benchmarks/ensembles.py ../runs/cellnet96n ../runs/cellnet96w --views 1 4
    python benchmarks/ensembles.py ../runs/effnetlite0_112 \
        src/marrowscope/ai/models/cellnet80d.json --views 1 4
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray

from marrowscope.ai.data import Sample, fine_samples
from marrowscope.ai.infer import CellClassifier
from marrowscope.ai.metrics import report
from marrowscope.ai.split import load_split
from marrowscope.ai.train.distill import ensemble_probabilities


def _probabilities(
    member: Path, samples: list[Sample], cache: Path, n_views: int
) -> tuple[NDArray[np.float64], tuple[str, ...]]:
    """The member's probabilities averaged over ``n_views`` orientations (as a teacher's)."""
    if member.suffix == ".json":
        codes = CellClassifier(member).codes
    else:
        state = torch.load(member / "best.pt", weights_only=False)
        codes = tuple(str(c) for c in state["codes"])
    probabilities = ensemble_probabilities((member,), samples, codes, n_views, 1.0, cache)
    return probabilities.double().numpy(), codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--views", nargs="+", type=int, default=[1])
    parser.add_argument("--cache", type=Path, default=Path("../runs/cache"))
    parser.add_argument("--members", type=int, default=2, help="largest ensemble to try")
    args = parser.parse_args()
    torch.set_num_threads(2)
    first_run = next((r for r in args.runs if r.suffix != ".json"), None)
    if first_run is None:
        raise SystemExit("name at least one run folder: its split.csv is the split")
    split = load_split(first_run / "split.csv")
    val = fine_samples(split.val)
    group_rows = list(split.test)
    results = {}
    codes: tuple[str, ...] = ()
    for run in args.runs:
        for n in args.views:
            pv, codes = _probabilities(run, val, args.cache, n)
            pt, _ = _probabilities(run, group_rows, args.cache, n)
            results[(run.name, n)] = (pv, pt)
    index = {c: i for i, c in enumerate(codes)}
    y_val = np.array([index[s.code] for s in val])
    fine_rows = [i for i, s in enumerate(group_rows) if not s.ambiguous and s.code in index]
    y_test = np.array([index[group_rows[i].code] for i in fine_rows])
    votes: dict[str, Counter[str]] = {}
    for s in fine_samples(split.train):
        votes.setdefault(s.code, Counter())[s.group] += 1
    group_of = {c: v.most_common(1)[0][0] for c, v in votes.items()}
    truth_groups = np.array([s.group for s in group_rows])
    print(f"{'members':52s} {'val F1':>7s} {'test F1':>7s} {'grouped':>7s}")  # noqa: T201
    for size in range(1, args.members + 1):
        for combo in itertools.combinations(results, size):
            if len({name for name, _ in combo}) < size:
                continue
            pv = np.mean([results[k][0] for k in combo], axis=0)
            pt = np.mean([results[k][1] for k in combo], axis=0)
            predicted_groups = np.array([group_of[codes[j]] for j in pt.argmax(1)])
            label = " + ".join(f"{name} x{n}" for name, n in combo)
            print(  # noqa: T201 - a benchmark prints its figures
                f"{label:52s} {report(y_val, pv, codes).macro_f1:7.4f} "
                f"{report(y_test, pt[fine_rows], codes).macro_f1:7.4f} "
                f"{(predicted_groups == truth_groups).mean():7.4f}"
            )


if __name__ == "__main__":
    main()
