"""Finished runs shipped as one averaged ONNX graph (ai/train/ensemble.py).

Two tiny members are trained for a few batches on real PBC images at the same scale
(128 px per source frame) but different crops, then shipped alone and together. The
ensemble graph, given one decoded image, must return what averaging the two shipped
members' probabilities on their own decodings returns: that checks the slicing, the
per-member standardisation and the averaging inside the graph.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("tqdm")

from marrowscope.ai.calibrate import softmax  # noqa: E402
from marrowscope.ai.infer import CellClassifier  # noqa: E402
from marrowscope.ai.preprocess import decode_image  # noqa: E402
from marrowscope.ai.train.config import load_config  # noqa: E402
from marrowscope.ai.train.loop import train  # noqa: E402
from marrowscope.ai.train.ship import ship_run  # noqa: E402
from marrowscope.domain.errors import InvalidInput  # noqa: E402

_PER_CLASS = 24


def _member(tmp_path: Path, data: Path, name: str, size: int, crop: float, seed: int) -> Path:
    """A tiny member config: ``size`` px of the central ``crop`` of each side.

    Deeper than one block per stage, with channel gates on the 48 px member and two
    averaged orientations on the 32 px ones, so that the round trip checkpoint -> ONNX
    and the ensemble cover those shapes of the network too.
    """
    config = tmp_path / f"{name}.toml"
    config.write_text(
        f"""
name = "{name}"
[data]
layout = "folders"
data_root = "{data}"
[model]
input_size = {size}
crop_fraction = {crop}
widths = [8, 16]
depths = [1, 2]
squeeze_excite = {"true" if size == 48 else "false"}
[train]
epochs = 2
batch_size = 16
max_batches = 2
threads = 1
tta_views = {2 if size == 32 else 1}
[output]
run_dir = "{tmp_path / name}"
cache_dir = "{tmp_path / "cache"}"
""",
        encoding="utf-8",
    )
    train(load_config(config), seed=seed)
    return config


@pytest.fixture(scope="module")
def trained(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three finished tiny runs (trained once for the module) in a folder of their own."""
    tmp_path = tmp_path_factory.mktemp("members")
    data = tmp_path / "data"
    for folder, code in (("eosinophil", "EOS"), ("platelet", "PLT"), ("lymphocyte", "LYT")):
        (data / code).mkdir(parents=True)
        for image in sorted((shared_data / "pbc" / folder).glob("*.jpg"))[:_PER_CLASS]:
            shutil.copy(image, data / code / image.name)
    _member(tmp_path, data, "small", 32, 0.25, seed=3)  # 128 px per frame
    _member(tmp_path, data, "large", 48, 0.375, seed=3)  # 128 px per frame
    _member(tmp_path, data, "coarse", 32, 0.5, seed=3)  # 64 px per frame
    return tmp_path


@pytest.fixture
def members(trained: Path) -> tuple[Path, Path, Path]:
    """The three member configs; each test ships into its own ``tmp_path``."""
    return trained / "small.toml", trained / "large.toml", trained / "coarse.toml"


def _ensemble_config(tmp_path: Path, *members: Path) -> Path:
    config = tmp_path / "pair.toml"
    listed = ", ".join(f'"{m}"' for m in members)
    config.write_text(
        f"""
name = "pair"
[ensemble]
members = [{listed}]
[output]
run_dir = "{tmp_path / "pair"}"
cache_dir = "{tmp_path / "cache"}"
""",
        encoding="utf-8",
    )
    return config


def test_the_ensemble_graph_averages_its_members(
    members: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Ensemble probabilities = mean of the members' probabilities, image by image."""
    small, large, _ = members
    for member in (small, large):
        ship_run(load_config(member), seed=3, out_dir=tmp_path / "shipped")

    spec = ship_run(load_config(_ensemble_config(tmp_path, small, large)), seed=3)

    assert (spec.input_size, spec.crop_fraction) == (48, 0.375)
    assert spec.info["macs"] > 0 and "squeeze-excite" in spec.info["architecture"]
    assert 0 <= spec.info["metrics"]["val_macro_f1"] <= 1
    images = sorted((small.parent / "data").glob("*/*.jpg"))[::6]
    averaged = np.zeros((len(images), 3))
    for name, size, crop in (("small", 32, 0.25), ("large", 48, 0.375)):
        classifier = CellClassifier(tmp_path / "shipped" / f"{name}.json", threads=1)
        logits, _ = classifier.run(np.stack([decode_image(p, size, crop) for p in images]))
        averaged += softmax(logits, 1.0) / 2
    ensemble = CellClassifier(tmp_path / "pair" / "pair.json", threads=1)
    logits, distance = ensemble.run(np.stack([ensemble.decode(p) for p in images]))
    assert np.abs(softmax(logits, 1.0) - averaged).max() < 1e-4
    assert np.isfinite(distance).all() and (distance >= 0).all()
    [prediction] = ensemble.classify_images([images[0]])
    assert prediction.code in spec.codes
    saved = json.loads((tmp_path / "pair" / "pair.json").read_text())
    assert saved["training"]["epochs"] == [2, 2]  # one entry per member
    assert len(saved["training"]["best_epoch"]) == 2


def test_members_seeing_the_cell_at_another_scale_are_refused(
    members: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """A 64 px-per-frame member cannot share one decoded image with 128 px ones."""
    small, _, coarse = members
    with pytest.raises(InvalidInput, match="scale"):
        ship_run(load_config(_ensemble_config(tmp_path, small, coarse)), seed=3)


def test_a_member_that_was_never_trained_is_named(
    members: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """An ensemble of a missing run says which member to train first."""
    small, _, _ = members
    ghost = tmp_path / "ghost.toml"
    ghost.write_text(small.read_text().replace(str(small.parent / "small"), str(tmp_path / "none")))
    with pytest.raises(InvalidInput, match="train it first"):
        ship_run(load_config(_ensemble_config(tmp_path, small, ghost)), seed=3)


def test_an_int8_ensemble_keeps_every_members_stem_in_float(
    members: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Each member's pixel-reading convolution stays float; the rest is int8, answers close."""
    import onnx

    small, large, _ = members
    config = _ensemble_config(tmp_path, small, large)
    config.write_text(config.read_text() + "\n[train]\nquantize = true\n", encoding="utf-8")

    ship_run(load_config(config), seed=3)

    graph = onnx.load(str(tmp_path / "pair" / "pair.onnx")).graph
    floats = {w.name: tuple(w.dims) for w in graph.initializer}
    convs = [n for n in graph.node if n.op_type == "Conv"]
    float_stems = [n for n in convs if len(floats.get(n.input[1], ())) == 4]
    assert [floats[n.input[1]][1] for n in float_stems] == [3, 3]
    assert sum(n.op_type == "DequantizeLinear" for n in graph.node) > len(convs)
    images = sorted((small.parent / "data").glob("*/*.jpg"))[::6]
    answers = []
    for name in ("pair.onnx", "pair.float32.onnx"):
        sidecar = json.loads((tmp_path / "pair" / "pair.json").read_text())
        (tmp_path / name).write_bytes((tmp_path / "pair" / name).read_bytes())
        (tmp_path / f"{name}.json").write_text(json.dumps({**sidecar, "onnx_file": name}))
        classifier = CellClassifier(tmp_path / f"{name}.json", threads=1)
        logits, _ = classifier.run(np.stack([classifier.decode(p) for p in images]))
        answers.append(softmax(logits, 1.0))
    assert np.abs(answers[0] - answers[1]).max() < 0.05
