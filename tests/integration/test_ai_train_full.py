"""The real training run of the shipped model (about 40 minutes on one CPU core).

Run with ``make test-slow``. It retrains from the config in a temporary folder and
checks that the result lands near the figures written in the shipped sidecar, so a
change to the recipe that silently costs accuracy is caught.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from marrowscope.ai.infer import default_model_path  # noqa: E402
from marrowscope.ai.sidecar import load_spec  # noqa: E402
from marrowscope.ai.train.config import load_config  # noqa: E402
from marrowscope.ai.train.loop import train  # noqa: E402
from marrowscope.ai.train.ship import ship_run  # noqa: E402

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "cellnet80d.toml"


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_retraining_the_shipped_model_reproduces_its_test_figures(
    shared_data: Path, tmp_path: Path
) -> None:
    """Same config and seed: test macro F1 within 0.02 of the shipped model's."""
    shipped = load_spec(default_model_path()).info["metrics"]
    config = load_config(
        CONFIG,
        {
            "data_root": shared_data / "pbc",
            "run_dir": tmp_path / "run",
            "cache_dir": tmp_path / "cache",
        },
    )

    train(config, seed=7)
    spec = ship_run(config, seed=7)

    metrics = spec.info["metrics"]
    assert abs(metrics["test_macro_f1"] - shipped["test_macro_f1"]) < 0.02
    assert metrics["test_accepted_accuracy"] > 0.98
