"""Learning from review: reviewed cells join training; the candidate is promoted only if better.

A tiny baseline is trained on real PBC images, then retrained with "reviewed" cells
added to its training split; both are measured on the baseline's own fixed test split.
Two cycles run back to back: the second trains afresh from the baseline with every
cell reviewed so far, and a tie is never promoted.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("tqdm")

from marrowscope.ai.split import load_split  # noqa: E402
from marrowscope.ai.train.config import load_config  # noqa: E402
from marrowscope.ai.train.from_reviews import promotes, retrain_from_reviews  # noqa: E402
from marrowscope.ai.train.loop import train  # noqa: E402
from marrowscope.ai.train.ship import ship_run  # noqa: E402


def _folder_set(shared_data: Path, root: Path, picks: dict[str, tuple[str, slice]]) -> Path:
    for code, (folder, part) in picks.items():
        (root / code).mkdir(parents=True)
        for image in sorted((shared_data / "pbc" / folder).glob("*.jpg"))[part]:
            shutil.copy(image, root / code / image.name)
    return root


def test_reviewed_cells_train_a_candidate_judged_on_the_fixed_test_split(
    shared_data: Path, tmp_path: Path
) -> None:
    picks = {
        "EOS": ("eosinophil", slice(0, 24)),
        "LYT": ("lymphocyte", slice(0, 24)),
        "PLT": ("platelet", slice(0, 24)),
    }
    data = _folder_set(shared_data, tmp_path / "data", picks)
    config_file = tmp_path / "tiny.toml"
    config_file.write_text(
        f'name = "tiny"\n[data]\nlayout = "folders"\ndata_root = "{data}"\n'
        "[model]\ninput_size = 32\nwidths = [8, 16]\n"
        "[train]\nepochs = 1\nbatch_size = 16\nmax_batches = 2\nthreads = 1\ntta_views = 1\n"
        f'[output]\nrun_dir = "{tmp_path / "run"}"\ncache_dir = "{tmp_path / "cache"}"\n'
    )
    config = load_config(config_file)
    train(config, seed=1)
    ship_run(config, seed=1, out_dir=tmp_path / "baseline")
    baseline = tmp_path / "baseline" / "tiny.json"
    reviews = _folder_set(
        shared_data,
        tmp_path / "reviews",
        {"EOS": ("eosinophil", slice(100, 110)), "BLA": ("lymphocyte", slice(100, 103))},
    )

    decision = retrain_from_reviews(config, 1, reviews, baseline, tmp_path / "promoted")

    assert decision.added_cells == 10 and decision.unlearnable_cells == {"BLA": 3}
    stored = json.loads((tmp_path / "run_reviews" / "promotion.json").read_text())
    assert stored["rule"].startswith("promote iff") and stored["promoted"] == decision.promoted
    assert decision.promoted == promotes(decision.baseline, decision.candidate)
    assert (tmp_path / "promoted" / "tiny.json").exists() == decision.promoted
    # the test split never saw a reviewed cell, and it is the baseline's, unchanged
    before = load_split(tmp_path / "baseline" / "tiny.split.csv", root=data)
    after = load_split(tmp_path / "run_reviews" / "split.csv")
    assert [s.path.name for s in after.test] == [s.path.name for s in before.test]
    assert not {s.path for s in after.test} & set(reviews.rglob("*.jpg"))
    assert sum(1 for s in after.train if s.path.is_relative_to(reviews)) == 10


def test_a_tie_is_not_promoted_and_one_better_figure_with_none_worse_is() -> None:
    """Equal on both figures: no improvement; better on one, equal on the other: promoted."""
    base = {"test_macro_f1": 0.9, "test_group_accuracy": 0.95}
    assert not promotes(base, dict(base))
    assert promotes(base, {"test_macro_f1": 0.91, "test_group_accuracy": 0.95})
    assert not promotes(base, {"test_macro_f1": 0.95, "test_group_accuracy": 0.94})
    assert not promotes(base, {"test_macro_f1": None, "test_group_accuracy": 0.99})


def test_a_second_cycle_trains_afresh_from_the_baseline_with_every_reviewed_cell(
    shared_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Cycle 2 resumes nothing, counts no cell twice and is judged by the strict rule."""
    picks = {
        "EOS": ("eosinophil", slice(0, 24)),
        "LYT": ("lymphocyte", slice(0, 24)),
        "PLT": ("platelet", slice(0, 24)),
    }
    data = _folder_set(shared_data, tmp_path / "data", picks)
    config_file = tmp_path / "tiny.toml"
    config_file.write_text(
        f'name = "tiny"\n[data]\nlayout = "folders"\ndata_root = "{data}"\n'
        "[model]\ninput_size = 32\nwidths = [8, 16]\n"
        "[train]\nepochs = 1\nbatch_size = 16\nmax_batches = 2\nthreads = 1\ntta_views = 1\n"
        f'[output]\nrun_dir = "{tmp_path / "run"}"\ncache_dir = "{tmp_path / "cache"}"\n'
    )
    config = load_config(config_file)
    train(config, seed=1)
    ship_run(config, seed=1, out_dir=tmp_path / "baseline")
    first = _folder_set(
        shared_data, tmp_path / "reviews1", {"EOS": ("eosinophil", slice(100, 108))}
    )
    so_far = _folder_set(
        shared_data,
        tmp_path / "reviews2",
        {"EOS": ("eosinophil", slice(100, 108)), "LYT": ("lymphocyte", slice(100, 106))},
    )
    one = retrain_from_reviews(config, 1, first, tmp_path / "baseline" / "tiny.json", None)
    # the second cycle's baseline: the first cycle's candidate, as if it had been promoted
    promoted = tmp_path / "promoted"
    promoted.mkdir()
    for name in ("tiny.json", "tiny.onnx", "tiny.split.csv"):
        shutil.copy2(tmp_path / "run_reviews" / name, promoted / name)
    caplog.set_level(logging.WARNING)
    first_checkpoint = (tmp_path / "run_reviews" / "last.pt").stat().st_mtime_ns

    two = retrain_from_reviews(config, 1, so_far, promoted / "tiny.json", None)

    assert not [r for r in caplog.records if "resuming" in r.getMessage()]
    assert (tmp_path / "run_reviews" / "last.pt").stat().st_mtime_ns > first_checkpoint
    history = (tmp_path / "run_reviews" / "history.jsonl").read_text().splitlines()
    assert len(history) == 1  # this cycle's one epoch, trained now, not the first cycle's
    assert (one.added_cells, two.added_cells) == (8, 14)
    split = load_split(tmp_path / "run_reviews" / "split.csv")
    reviewed = [s for s in split.train if not s.path.is_relative_to(data)]
    assert sorted(s.path for s in reviewed) == sorted(so_far.rglob("*.jpg"))  # none twice
    baseline_train = load_split(tmp_path / "baseline" / "tiny.split.csv", root=data).train
    assert len(split.train) == len(baseline_train) + 14
    assert two.promoted == promotes(two.baseline, two.candidate)
    if two.candidate == two.baseline:
        assert not two.promoted
