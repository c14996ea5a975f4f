"""Learning from review: retrain with the cells people decided, promote only if better.

Reviewed cells (``marrowscope export reviewed-cells``, one folder per final class) are
added to the *training* part of the baseline model's own split; its validation and test
parts stay exactly as they were, so the candidate and the baseline are compared on the
same fixed test set that nothing of the new data can reach. The candidate is promoted
(copied to ``--ship-to``) only if it is better on that set in one figure and not worse
in the other; a tie is no improvement and would only churn the model's version:

    promote  <=>  both figures (candidate) >= the baseline's
             and  at least one figure (candidate) > the baseline's

Every cycle trains afresh from the baseline's recipe on the baseline's own cells plus
*all* cells reviewed so far (the export holds every decided cell, earlier cycles' too):
reviewed cells an earlier promoted cycle put into the baseline's split are taken out
first, so no cell is counted twice, and the previous cycle's finished checkpoint is
cleared, so a second cycle never "resumes" a run that has nothing left to train and
ships it again as if it were new.

The rule and both sets of figures are printed and written to ``promotion.json`` in the
run folder, promoted or not. Reviewed cells of a class the baseline has no code for
(a blast, a plasma cell) cannot be learnt by a model with a fixed head: they are
counted and reported, not silently used.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from marrowscope.ai.data import load_dataset
from marrowscope.ai.evaluate import evaluate_samples
from marrowscope.ai.infer import CellClassifier
from marrowscope.ai.split import Split, load_split, save_split
from marrowscope.ai.train.config import TrainConfig
from marrowscope.ai.train.loop import train
from marrowscope.ai.train.ship import ship_run
from marrowscope.domain.errors import InvalidInput

__all__ = ["Promotion", "promotes", "retrain_from_reviews"]


@dataclass(frozen=True, slots=True)
class Promotion:
    """The comparison on the fixed test set and the decision it led to."""

    baseline: dict[str, float | None]
    candidate: dict[str, float | None]
    added_cells: int
    unlearnable_cells: dict[str, int]
    promoted: bool
    rule: str = (
        "promote iff macro F1 and grouped accuracy are both >= the baseline's "
        "and at least one is > (a tie is not an improvement)"
    )


def _figures(sidecar: Path, split: Split) -> dict[str, float | None]:
    result = evaluate_samples(CellClassifier(sidecar, threads=1), split.test)
    return {
        "test_macro_f1": round(result.fine.macro_f1, 4),
        "test_group_accuracy": None
        if result.group_accuracy is None
        else round(result.group_accuracy, 4),
    }


def _not_worse(candidate: float | None, baseline: float | None) -> bool:
    return baseline is None or (candidate is not None and candidate >= baseline)


def _better(candidate: float | None, baseline: float | None) -> bool:
    return candidate is not None and baseline is not None and candidate > baseline


def promotes(baseline: Mapping[str, float | None], candidate: Mapping[str, float | None]) -> bool:
    """Better on one figure of the fixed test set and not worse on any."""
    return all(_not_worse(candidate.get(k), v) for k, v in baseline.items()) and any(
        _better(candidate.get(k), v) for k, v in baseline.items()
    )


# what a finished run leaves behind; a new cycle must not resume from it
_STALE = ("last.pt", "best.pt", "history.jsonl", "split.csv")


def retrain_from_reviews(
    config: TrainConfig, seed: int, reviews: Path, baseline_sidecar: Path, ship_to: Path | None
) -> Promotion:
    """Train ``config`` on the baseline's split plus ``reviews``; compare; maybe promote."""
    baseline = CellClassifier(baseline_sidecar, threads=1)
    split_file = baseline.spec.info.get("split", {}).get("file")
    if not split_file:
        raise InvalidInput(
            f"{baseline_sidecar}: the baseline names no split file; cannot fix a test set"
        )
    split = load_split(baseline_sidecar.parent / split_file, root=config.data_root)
    # cells reviewed in earlier cycles sit in a promoted baseline's training part (outside
    # the data folder); this cycle's export holds them all again
    own_cells = [s for s in split.train if s.path.is_relative_to(config.data_root)]
    reviewed = load_dataset("folders", reviews)
    codes = set(baseline.codes)
    learnable = [s for s in reviewed if s.code in codes]
    unlearnable: dict[str, int] = {}
    for s in reviewed:
        if s.code not in codes:
            unlearnable[s.code] = unlearnable.get(s.code, 0) + 1
    if not learnable:
        raise InvalidInput(
            f"{reviews}: no reviewed cell of a class the model knows ({', '.join(sorted(codes))})"
        )
    run_dir = config.run_dir.parent / f"{config.run_dir.name}_reviews"
    run_config = replace(config, run_dir=run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    for stale in _STALE:
        (run_dir / stale).unlink(missing_ok=True)
    save_split(
        Split(train=[*own_cells, *learnable], val=split.val, test=split.test),
        run_dir / "split.csv",
    )
    train(run_config, seed, fresh=False)  # the split just written is kept, nothing resumed
    spec = ship_run(run_config, seed)
    candidate_sidecar = run_dir / f"{spec.name}.json"
    before, after = _figures(baseline_sidecar, split), _figures(candidate_sidecar, split)
    promoted = promotes(before, after)
    decision = Promotion(before, after, len(learnable), unlearnable, promoted)
    (run_dir / "promotion.json").write_text(json.dumps(_as_dict(decision), indent=2) + "\n")
    if promoted and ship_to is not None:
        ship_to.mkdir(parents=True, exist_ok=True)
        for name in (candidate_sidecar.name, spec.onnx_file, f"{spec.name}.split.csv"):
            shutil.copy2(run_dir / name, ship_to / name)
    return decision


def _as_dict(decision: Promotion) -> dict[str, object]:
    return {
        "rule": decision.rule,
        "baseline": decision.baseline,
        "candidate": decision.candidate,
        "added_cells": decision.added_cells,
        "unlearnable_cells": decision.unlearnable_cells,
        "promoted": decision.promoted,
    }
