"""A checkpoint swapped into a run folder cannot run code when it is read.

Every checkpoint read goes through ``read_checkpoint`` (``torch.load`` with
``weights_only=True``); a pickle whose ``__reduce__`` would create a file is refused with
one line, and the file is never created. A checkpoint shaped like the training loops'
own (model, AdamW, LambdaLR, generator and ``random`` states) still loads.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from marrowscope.ai.train.checkpoint_file import read_checkpoint  # noqa: E402
from marrowscope.ai.train.export import load_checkpoint  # noqa: E402
from marrowscope.domain.errors import InvalidInput  # noqa: E402


class _Payload:
    """What an attacker pickles: unpickling it would touch ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


def _malicious(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "pwned"
    checkpoint = tmp_path / "best.pt"
    torch.save({"config": {}, "model": _Payload(marker)}, checkpoint)
    return checkpoint, marker


def test_a_checkpoint_that_would_run_code_is_refused_and_runs_none(tmp_path: Path) -> None:
    checkpoint, marker = _malicious(tmp_path)

    with pytest.raises(InvalidInput, match="--fresh"):
        read_checkpoint(checkpoint)

    assert not marker.exists()


def test_export_refuses_a_malicious_best_checkpoint(tmp_path: Path) -> None:
    checkpoint, marker = _malicious(tmp_path)

    with pytest.raises(InvalidInput, match="not loaded"):
        load_checkpoint(checkpoint)

    assert not marker.exists()


def test_a_checkpoint_shaped_like_the_training_loops_loads(tmp_path: Path) -> None:
    model = torch.nn.Linear(3, 2)
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.ones(1, 3)).sum().backward()
    optimiser.step()
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: 1.0)
    rng = random.Random(7)
    saved = {
        "codes": ["LYT", "NGS"],
        "config": {"epochs": "3"},
        "model": model.state_dict(),
        "optimiser": optimiser.state_dict(),
        "scheduler": scheduler.state_dict(),
        "generator": torch.Generator().manual_seed(7).get_state(),
        "rng": rng.getstate(),
        "best": {"score": 0.5, "epoch": 2, "ap50": {"WBC": 0.9}},
    }
    torch.save(saved, tmp_path / "last.pt")
    expected = rng.random()

    state = read_checkpoint(tmp_path / "last.pt")
    restored = random.Random()
    restored.setstate(state["rng"])

    assert restored.random() == expected
    assert torch.equal(state["model"]["weight"], model.state_dict()["weight"])
    optimiser.load_state_dict(state["optimiser"])


def test_the_detector_run_resumes_from_its_own_checkpoint(
    shared_data: Path, tmp_path: Path
) -> None:
    from marrowscope.ai.train.detection.loop import load_detector_config, train_detector

    def config(epochs: int) -> object:
        path = tmp_path / f"tiny{epochs}.toml"
        path.write_text(
            f'name = "tinyfinder"\ndata_root = "{shared_data / "txl_pbc"}"\n'
            f'run_dir = "{tmp_path / "run"}"\ninput_px = 64\nwidths = [8, 8, 8, 8, 8]\n'
            f"neck = 8\nepochs = {epochs}\nbatch = 2\nmax_batches = 1\nlimit_images = 4\n"
        )
        return load_detector_config(path)

    first: list[str] = []
    train_detector(config(1), log=first.append)  # type: ignore[arg-type]
    again: list[str] = []
    train_detector(config(1), log=again.append)  # type: ignore[arg-type]

    assert len(first) == 1 and first[0].startswith("epoch 1/1")
    assert again == []  # resumed past its last epoch: read, nothing left to train
