"""Training augmentation: it changes the picture, never its size, range or meaning."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

import torch  # noqa: E402

from marrowscope.ai.preprocess import decode_image  # noqa: E402
from marrowscope.ai.train.augment import _rotate_and_zoom, augment  # noqa: E402


def _cells(shared_data: Path, n: int = 4) -> torch.Tensor:
    paths = sorted((shared_data / "pbc" / "eosinophil").glob("*.jpg"))[:n]
    return torch.from_numpy(np.stack([decode_image(p, 64) for p in paths]))


def test_no_turn_and_no_zoom_leave_the_image_as_it_was(shared_data: Path) -> None:
    x = _cells(shared_data).permute(0, 3, 1, 2).float() / 255
    same = _rotate_and_zoom(x, torch.zeros(len(x)), torch.ones(len(x)))
    assert torch.allclose(same, x, atol=1e-4)


def test_a_half_turn_equals_two_quarter_turns(shared_data: Path) -> None:
    x = _cells(shared_data).permute(0, 3, 1, 2).float() / 255
    half = _rotate_and_zoom(x, torch.full((len(x),), math.pi), torch.ones(len(x)))
    assert torch.allclose(half, torch.rot90(x, 2, (2, 3)), atol=1e-3)


def test_free_rotation_keeps_shape_and_standardised_range(shared_data: Path) -> None:
    batch = _cells(shared_data)
    mean, std = torch.full((3,), 0.5), torch.full((3,), 0.25)
    generator = torch.Generator().manual_seed(3)

    out = augment(batch, mean, std, 0.15, generator, free_rotation=True, scale_jitter=0.1)

    assert out.shape == (4, 3, 64, 64)
    assert out.min() >= (0 - 0.5) / 0.25 - 1e-5 and out.max() <= (1 - 0.5) / 0.25 + 1e-5
    plain = augment(batch, mean, std, 0.0, torch.Generator().manual_seed(3))
    assert not torch.allclose(out, plain)
