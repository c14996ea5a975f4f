"""A run that draws other laboratories' variation trains, validates late and still ships.

Two batches of real PBC cells through the whole pipeline: the wider cached frame that a
zoom range needs, stain, blur and JPEG in the batches, validation skipped before
``validate_from``, then export and calibration at the network's own framing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("tqdm")

from marrowscope.ai.infer import CellClassifier  # noqa: E402
from marrowscope.ai.train.config import load_config  # noqa: E402
from marrowscope.ai.train.loop import train  # noqa: E402
from marrowscope.ai.train.ship import ship_run  # noqa: E402


@pytest.fixture
def varied_config(shared_data: Path, tmp_path: Path) -> Path:
    """Three classes of real PBC cells and a tiny network trained with lab variation."""
    data = tmp_path / "data"
    for folder, code in (("eosinophil", "EOS"), ("platelet", "PLT"), ("lymphocyte", "LYT")):
        (data / code).mkdir(parents=True)
        for image in sorted((shared_data / "pbc" / folder).glob("*.jpg"))[:20]:
            shutil.copy(image, data / code / image.name)
    config = tmp_path / "varied.toml"
    config.write_text(
        f"""
name = "varied"
[data]
layout = "folders"
data_root = "{data}"
[model]
input_size = 32
crop_fraction = 0.625
widths = [8, 16]
[train]
epochs = 2
batch_size = 16
max_batches = 2
threads = 1
stain_jitter = 0.25
blur_sigma = 1.0
zoom_range = 0.3
jpeg_quality = 40
validate_from = 2
[output]
run_dir = "{tmp_path / "run"}"
cache_dir = "{tmp_path / "cache"}"
""",
        encoding="utf-8",
    )
    return config


def test_a_varied_run_validates_from_its_epoch_and_ships_at_its_own_framing(
    varied_config: Path, tmp_path: Path
) -> None:
    config = load_config(varied_config)

    result = train(config, seed=1)
    spec = ship_run(config, seed=1, out_dir=tmp_path / "shipped")

    history = [
        json.loads(line) for line in (config.run_dir / "history.jsonl").read_text().splitlines()
    ]
    assert [h["val_macro_f1"] is None for h in history] == [True, False]
    assert 0 <= result.best_val_macro_f1 <= 1
    wider = sorted(p.name for p in (tmp_path / "cache").glob("pixels-42-*.npy"))
    assert wider, "the training cells are cached in the wider frame (32 px / 0.625 x 0.8125, 42 px)"
    assert spec.input_size == 32 and spec.crop_fraction == 0.625
    classifier = CellClassifier(tmp_path / "shipped" / "varied.json", threads=1)
    image = next((tmp_path / "data" / "LYT").glob("*.jpg"))
    [prediction] = classifier.classify_images([image])
    assert prediction.code in result.codes
    assert np.isfinite(prediction.ood_distance)
