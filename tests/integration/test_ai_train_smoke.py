"""A few training batches, then export, calibration and ONNX inference of the result.

Skipped where the training extra (torch) is not installed. The real run is the
shipped model; this checks that the whole pipeline still works end to end.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("tqdm")

from marrowscope.ai.infer import CellClassifier  # noqa: E402
from marrowscope.ai.train.config import load_config  # noqa: E402
from marrowscope.ai.train.loop import train  # noqa: E402
from marrowscope.ai.train.ship import ship_run  # noqa: E402

_PER_CLASS = 24


@pytest.fixture
def tiny_config(shared_data: Path, tmp_path: Path) -> Path:
    """A 3-class folder-per-class set of real PBC images and a tiny-model config."""
    data = tmp_path / "data"
    for folder, code in (("eosinophil", "EOS"), ("platelet", "PLT"), ("lymphocyte", "LYT")):
        (data / code).mkdir(parents=True)
        for image in sorted((shared_data / "pbc" / folder).glob("*.jpg"))[:_PER_CLASS]:
            shutil.copy(image, data / code / image.name)
    config = tmp_path / "tiny.toml"
    config.write_text(
        f"""
name = "tiny"
[data]
layout = "folders"
data_root = "{data}"
[model]
input_size = 32
widths = [8, 16]
[train]
epochs = 2
batch_size = 16
max_batches = 2
threads = 1
tta_views = 2
[output]
run_dir = "{tmp_path / "run"}"
cache_dir = "{tmp_path / "cache"}"
""",
        encoding="utf-8",
    )
    return config


def test_smoke_run_trains_exports_and_classifies(tiny_config: Path, tmp_path: Path) -> None:
    """Two epochs of two batches leave a checkpoint, an ONNX file and a usable sidecar."""
    config = load_config(tiny_config)

    result = train(config, seed=1)
    spec = ship_run(config, seed=1, out_dir=tmp_path / "shipped")

    assert result.codes == ("EOS", "LYT", "PLT")
    assert (tmp_path / "run" / "last.pt").is_file()
    history = (tmp_path / "run" / "history.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in history] == [1, 2]
    shipped = tmp_path / "shipped" / "tiny.json"
    assert spec.codes == result.codes and spec.temperature > 0
    classifier = CellClassifier(shipped, threads=1)
    image = next((tmp_path / "data" / "EOS").glob("*.jpg"))
    [prediction] = classifier.classify_images([image])
    assert prediction.code in result.codes
    assert abs(sum(p for _, p in prediction.top3) - 1) < 1e-5  # 3 classes: top 3 is all


def test_a_finished_run_resumes_without_training_again(tiny_config: Path) -> None:
    """Starting the same run twice continues from last.pt rather than starting over."""
    config = load_config(tiny_config)
    train(config, seed=1)
    stamp = (config.run_dir / "last.pt").stat().st_mtime_ns

    train(config, seed=1)

    assert (config.run_dir / "last.pt").stat().st_mtime_ns == stamp
    assert len((config.run_dir / "history.jsonl").read_text().splitlines()) == 2


def test_bf16_channels_last_run_ships_an_int8_model_close_to_its_float_graph(
    tiny_config: Path, tmp_path: Path
) -> None:
    """The fast recipe (bfloat16, channels-last, int8 export) still yields a usable model.

    The int8 graph must hold quantized convolutions and give nearly the float graph's
    probabilities on real images, so shipping it does not silently change the answers.
    """
    from dataclasses import replace

    import numpy as np
    import onnx

    from marrowscope.ai.calibrate import softmax
    from marrowscope.ai.preprocess import decode_image

    config = replace(load_config(tiny_config), bf16=True, channels_last=True, quantize=True)
    train(config, seed=2)
    spec = ship_run(config, seed=2, out_dir=tmp_path / "shipped")

    graph = onnx.load(str(tmp_path / "shipped" / "tiny.onnx"))
    assert sum(n.op_type == "DequantizeLinear" for n in graph.graph.node) >= 3
    assert spec.info["weights"].startswith("int8")
    images = sorted((tmp_path / "data").glob("*/*.jpg"))
    pixels = np.stack([decode_image(p, config.input_size) for p in images])
    float_sidecar = tmp_path / "float.json"
    data = json.loads((tmp_path / "shipped" / "tiny.json").read_text())
    shutil.copy(config.run_dir / "tiny.float32.onnx", tmp_path / "tiny.float32.onnx")
    float_sidecar.write_text(json.dumps({**data, "onnx_file": "tiny.float32.onnx"}))
    int8_logits, _ = CellClassifier(tmp_path / "shipped" / "tiny.json", threads=1).run(pixels)
    float_logits, _ = CellClassifier(float_sidecar, threads=1).run(pixels)
    gap = np.abs(softmax(int8_logits, 1.0) - softmax(float_logits, 1.0)).max()
    assert gap < 0.05


def test_a_student_learns_from_a_finished_teacher_run(tiny_config: Path, tmp_path: Path) -> None:
    """A run with ``teacher_run`` trains and ships; a teacher of other classes is refused."""
    from dataclasses import replace

    from marrowscope.domain.errors import InvalidInput

    teacher = load_config(tiny_config)
    train(teacher, seed=4)
    student = replace(
        teacher, run_dir=tmp_path / "student", teacher_run=teacher.run_dir, teacher_views=2
    )

    result = train(student, seed=5)

    assert result.codes == ("EOS", "LYT", "PLT")
    assert (tmp_path / "student" / "best.pt").is_file()
    shutil.rmtree(tmp_path / "data" / "PLT")
    wrong = replace(student, run_dir=tmp_path / "wrong", cache_dir=tmp_path / "cache2")
    with pytest.raises(InvalidInput, match="teacher"):
        train(wrong, seed=5)


def test_init_seed_starts_other_weights_on_the_same_split(
    tiny_config: Path, tmp_path: Path
) -> None:
    """``init_seed`` changes the network a run starts from, never the split it uses."""
    from dataclasses import replace

    import torch

    base = replace(load_config(tiny_config), epochs=1)
    first = replace(base, run_dir=tmp_path / "a")
    second = replace(base, run_dir=tmp_path / "b", init_seed=99)

    train(first, seed=1)
    train(second, seed=1)

    assert (first.run_dir / "split.csv").read_text() == (second.run_dir / "split.csv").read_text()
    weights = [
        torch.load(c.run_dir / "last.pt", weights_only=True)["model"] for c in (first, second)
    ]
    assert not torch.equal(weights[0]["head.weight"], weights[1]["head.weight"])


def test_group_only_cells_join_training_through_the_grouped_loss(
    shared_data: Path, tmp_path: Path
) -> None:
    """PBC ``NEUTROPHIL`` cells (group known, stage not) train only when the grouped loss is on.

    A tiny PBC-layout set of real images: band and segmented neutrophils, eosinophils and
    neutrophils labelled with their group alone.
    """
    from dataclasses import replace

    from marrowscope.ai.data import load_pbc

    data = tmp_path / "pbc"
    rows = ["path,group,label"]
    for folder, group, label in (
        ("neutrophil", "neutrophil", "BNE"),
        ("neutrophil", "neutrophil", "NEUTROPHIL"),
        ("neutrophil", "neutrophil", "SNE"),
        ("eosinophil", "eosinophil", "EO"),
    ):
        (data / folder).mkdir(parents=True, exist_ok=True)
        for image in sorted((shared_data / "pbc" / folder).glob(f"{label}_*.jpg"))[:16]:
            shutil.copy(image, data / folder / image.name)
            rows.append(f"{folder}/{image.name},{group},{label}")
    (data / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    group_only = sum(s.ambiguous for s in load_pbc(data))
    assert group_only == 16
    base = replace(
        load_config(tiny_config_for(tmp_path, data)), epochs=1, max_batches=None, batch_size=32
    )

    plain = train(replace(base, run_dir=tmp_path / "plain"), seed=3)
    grouped = train(replace(base, run_dir=tmp_path / "grouped", group_loss_weight=1.0), seed=3)
    spec = ship_run(
        replace(base, run_dir=tmp_path / "grouped", group_loss_weight=1.0), 3, tmp_path / "out"
    )

    assert plain.codes == grouped.codes == spec.codes == ("EOS", "NGB", "NGS")
    assert grouped.train_cells - plain.train_cells > 0
    split_rows = (tmp_path / "grouped" / "split.csv").read_text()
    assert grouped.train_cells - plain.train_cells == _group_only_in_train(split_rows)
    history = json.loads((tmp_path / "grouped" / "history.jsonl").read_text().splitlines()[-1])
    assert history["train_loss"] == history["train_loss"]  # not NaN


def tiny_config_for(tmp_path: Path, data: Path) -> Path:
    """A tiny-model config over the PBC-layout folder ``data``."""
    config = tmp_path / "tiny_pbc.toml"
    config.write_text(
        f"""
name = "tinypbc"
[data]
layout = "pbc"
data_root = "{data}"
[model]
input_size = 32
widths = [8, 16]
[train]
threads = 1
[output]
run_dir = "{tmp_path / "run"}"
cache_dir = "{tmp_path / "cache"}"
""",
        encoding="utf-8",
    )
    return config


def _group_only_in_train(split_csv: str) -> int:
    """Rows of the split's train part that hold a group-only cell (``ambiguous`` 1)."""
    rows = [line.split(",") for line in split_csv.splitlines()[1:]]
    return sum(row[0] == "train" and row[-1] == "1" for row in rows)
