"""Another laboratory's stain, focus, framing and JPEG: each moves the picture as intended.

Each test states an invariant of one drawn difference on real PBC cells: the identity
draw changes nothing, the same seed draws the same batch, stain jitter moves the colour
of the cells and not their place, blur removes fine detail, a tighter framing makes the
cell larger, JPEG re-encoding stays close to the image it compressed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

import torch  # noqa: E402

from marrowscope.ai.preprocess import decode_image  # noqa: E402
from marrowscope.ai.train.augment import augment, variation_of  # noqa: E402
from marrowscope.ai.train.cache import central  # noqa: E402
from marrowscope.ai.train.config import TrainConfig  # noqa: E402
from marrowscope.ai.train.lab_variation import (  # noqa: E402
    LabVariation,
    blur,
    jpeg,
    reframe,
    stain_jitter,
)

_ALL = LabVariation(stain=0.25, blur_sigma=1.5, zoom=0.3, jpeg_quality=40, probability=0.5)


def _cells(shared_data: Path, size: int = 64, crop: float = 1.0, n: int = 6) -> torch.Tensor:
    """(n, 3, size, size) floats in 0..1 of real PBC cells of three kinds."""
    paths = []
    for folder in ("eosinophil", "lymphocyte", "neutrophil"):
        paths += sorted((shared_data / "pbc" / folder).glob("*.jpg"))[: n // 3]
    pixels = np.stack([decode_image(p, size, crop) for p in paths])
    return torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255


def _sharpness(x: torch.Tensor) -> float:
    """Mean squared difference of neighbouring pixels: fine detail, gone when blurred."""
    return float(((x[..., 1:, :] - x[..., :-1, :]) ** 2).mean())


def _dark_share(x: torch.Tensor) -> torch.Tensor:
    """Per image, the share of pixels darker than 0.45 in green: the stained cell."""
    return (x[:, 1] < 0.45).float().mean(dim=(1, 2))


def test_the_identity_draw_leaves_every_image_as_it_was(shared_data: Path) -> None:
    x = _cells(shared_data)
    generator = torch.Generator().manual_seed(1)

    unchanged = [
        stain_jitter(x, 0.0, generator),
        blur(x, torch.zeros(len(x))),
        jpeg(x, torch.zeros(len(x), dtype=torch.int64)),
        reframe(x, 64, 1.0, torch.ones(len(x))),
    ]

    for out in unchanged:
        assert torch.allclose(out, x, atol=2e-3)


def test_the_same_seed_draws_the_same_batch_and_another_seed_another(shared_data: Path) -> None:
    batch = (_cells(shared_data, 104, 0.8125) * 255).round().byte().permute(0, 2, 3, 1)
    mean, std = torch.full((3,), 0.5), torch.full((3,), 0.25)

    def run(seed: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(seed)
        return augment(batch, mean, std, 0.2, generator, variation=_ALL, size=80, share=0.77)

    first, again, other = run(5), run(5), run(6)

    assert first.shape == (6, 3, 80, 80) and first.dtype == torch.float32
    assert torch.equal(first, again)
    assert not torch.allclose(first, other)
    assert first.min() >= -2 - 1e-5 and first.max() <= 2 + 1e-5  # 0..1 standardised


def test_stain_jitter_moves_the_colour_of_each_cell_but_not_the_cell(shared_data: Path) -> None:
    x = _cells(shared_data)
    generator = torch.Generator().manual_seed(2)

    out = stain_jitter(x, 0.3, generator)

    colour_moved = (out.mean(dim=(2, 3)) - x.mean(dim=(2, 3))).abs().max(dim=1).values
    assert bool((colour_moved > 0.005).all())
    # the place of the cell stays: the darkest pixels before are still darker than most after
    before, after = x[:, 1].flatten(1), out[:, 1].flatten(1)
    correlation = torch.nn.functional.cosine_similarity(
        before - before.mean(1, keepdim=True), after - after.mean(1, keepdim=True)
    )
    assert bool((correlation > 0.9).all())
    assert out.min() >= 0 and out.max() <= 1


def test_stain_jitter_draws_different_stain_strengths_across_a_batch(shared_data: Path) -> None:
    x = _cells(shared_data)[:1].repeat(32, 1, 1, 1)  # one cell, 32 laboratories

    out = stain_jitter(x, 0.25, torch.Generator().manual_seed(3))

    spread_before = x.mean(dim=(2, 3)).std(dim=0).max()
    spread_after = out.mean(dim=(2, 3)).std(dim=0).min()
    assert spread_before < 1e-6 < 0.005 < spread_after


def test_blur_removes_fine_detail_more_the_wider_it_is(shared_data: Path) -> None:
    x = _cells(shared_data)

    soft = blur(x, torch.full((len(x),), 0.8))
    softer = blur(x, torch.full((len(x),), 1.6))

    assert _sharpness(x) > _sharpness(soft) > _sharpness(softer)
    assert torch.allclose(softer.mean(), x.mean(), atol=0.01)  # light is only moved


def test_a_tighter_framing_makes_the_cell_larger_and_a_looser_one_smaller(
    shared_data: Path,
) -> None:
    wide = _cells(shared_data, 104, 0.8125)  # the cache's wider frame
    share = 0.625 / 0.8125
    n = len(wide)

    own = reframe(wide, 80, share, torch.ones(n))
    tight = reframe(wide, 80, share, torch.full((n,), 1.3))
    loose = reframe(wide, 80, share, torch.full((n,), 1 / 1.3))

    reference = _cells(shared_data, 80, 0.625)  # the shipped framing, decoded directly
    assert float((own - reference).abs().mean()) < 0.02
    assert bool((_dark_share(tight) > _dark_share(own)).all())
    assert bool((_dark_share(loose) < _dark_share(own)).all())


def test_jpeg_at_low_quality_changes_pixels_but_keeps_the_picture(shared_data: Path) -> None:
    x = _cells(shared_data)

    low = jpeg(x, torch.full((len(x),), 30))
    high = jpeg(x, torch.full((len(x),), 95))

    low_error = float((low - x).abs().mean())
    high_error = float((high - x).abs().mean())
    assert 0 < high_error < low_error < 0.05
    assert low.dtype == torch.float32 and low.shape == x.shape


def test_a_run_trains_on_the_variation_its_config_names(tmp_path: Path) -> None:
    config = TrainConfig(stain_jitter=0.2, blur_sigma=1.0, zoom_range=0.3, jpeg_quality=50)

    variation = variation_of(config)

    assert variation == LabVariation(0.2, 1.0, 0.3, 50, 0.5)
    assert variation.active and not variation_of(TrainConfig()).active


def test_the_network_framing_is_the_centre_of_the_wider_cached_frame() -> None:
    pixels = np.arange(2 * 10 * 10 * 3, dtype=np.uint8).reshape(2, 10, 10, 3)

    middle = central(pixels, 6)

    assert middle.shape == (2, 6, 6, 3)
    assert np.array_equal(middle, pixels[:, 2:8, 2:8])
