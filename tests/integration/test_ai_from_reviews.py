"""Learning from review: reviewed cells join training; the candidate is promoted only if not worse.

A tiny baseline is trained on real PBC images, then retrained with "reviewed" cells
added to its training split; both are measured on the baseline's own fixed test split.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("tqdm")

from marrowscope.ai.split import load_split  # noqa: E402
from marrowscope.ai.train.config import load_config  # noqa: E402
from marrowscope.ai.train.from_reviews import retrain_from_reviews  # noqa: E402
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
    rule_says = all(
        decision.candidate[k] is not None and decision.candidate[k] >= decision.baseline[k]  # type: ignore[operator]
        for k in decision.baseline
        if decision.baseline[k] is not None
    )
    assert decision.promoted == rule_says
    assert (tmp_path / "promoted" / "tiny.json").exists() == decision.promoted
    # the test split never saw a reviewed cell, and it is the baseline's, unchanged
    before = load_split(tmp_path / "baseline" / "tiny.split.csv", root=data)
    after = load_split(tmp_path / "run_reviews" / "split.csv")
    assert [s.path.name for s in after.test] == [s.path.name for s in before.test]
    assert not {s.path for s in after.test} & set(reviews.rglob("*.jpg"))
    assert sum(1 for s in after.train if s.path.is_relative_to(reviews)) == 10
