"""Batch augmentation on the CPU, in torch, on whole uint8 batches.

Stained smears have no up or down: flips and rotations (by quarter turns, or by any
angle with a little zoom when ``free_rotation`` is set) are free extra data.
Stains vary between labs and days: brightness, contrast, saturation and per-channel
gain jitter teach the model to look at shape and granules rather than at the hue.
Other laboratories differ further, in stain, focus, magnification and JPEG quality:
``lab_variation`` draws those when a ``LabVariation`` is given.
"""

from __future__ import annotations

import math

import torch

from marrowscope.ai.train.config import TrainConfig
from marrowscope.ai.train.lab_variation import LabVariation, draw, draw_quality, jpeg

__all__ = ["augment", "to_float", "variation_of"]


def to_float(batch: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """(B, H, W, 3) uint8 -> (B, 3, H, W) standardised float, as inference does it."""
    x = batch.permute(0, 3, 1, 2).float().div_(255.0)
    return (x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)


def variation_of(config: TrainConfig) -> LabVariation:
    """The other laboratories' differences a run of ``config`` trains with."""
    return LabVariation(
        config.stain_jitter,
        config.blur_sigma,
        config.zoom_range,
        config.jpeg_quality,
        config.variation_probability,
    )


def augment(
    batch: torch.Tensor,
    mean: torch.Tensor,
    std: torch.Tensor,
    jitter: float,
    generator: torch.Generator,
    free_rotation: bool = False,
    scale_jitter: float = 0.0,
    variation: LabVariation | None = None,
    size: int | None = None,
    share: float = 1.0,
) -> torch.Tensor:
    """Randomly flipped, rotated, shifted and colour-jittered standardised batch.

    With ``variation``, each image also gets another lab's framing, stain, focus and
    JPEG quality; ``batch`` may then be a wider frame of which the network's own is the
    central ``share``, returned at ``size`` pixels.
    """
    x = batch.permute(0, 3, 1, 2).float().div_(255.0)
    b = x.shape[0]
    size = size or x.shape[-1]
    variation = variation or LabVariation()

    def uniform(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator)

    if variation.active or x.shape[-1] != size:
        x = draw(x, variation, size, share, generator)

    if free_rotation:
        x = _rotate_and_zoom(x, uniform(b) * (2 * math.pi), 1 + (uniform(b) * 2 - 1) * scale_jitter)

    flip = uniform(b) < 0.5
    x = torch.where(flip.view(b, 1, 1, 1), x.flip(3), x)
    turns = torch.randint(0, 4, (b,), generator=generator)
    for k in (1, 2, 3):
        idx = (turns == k).nonzero(as_tuple=True)[0]
        if idx.numel():
            x[idx] = torch.rot90(x[idx], k, (2, 3))
    # a small shift of the whole batch: cells are not always centred in other scanners
    pad = max(1, x.shape[-1] // 20)
    dx, dy = (int(v) for v in torch.randint(0, 2 * pad + 1, (2,), generator=generator))
    size = x.shape[-1]
    x = torch.nn.functional.pad(x, (pad, pad, pad, pad), mode="reflect")[
        :, :, dy : dy + size, dx : dx + size
    ]
    if jitter > 0:
        brightness = 1 + (uniform(b, 1, 1, 1) * 2 - 1) * jitter
        contrast = 1 + (uniform(b, 1, 1, 1) * 2 - 1) * jitter
        saturation = 1 + (uniform(b, 1, 1, 1) * 2 - 1) * jitter
        gain = 1 + (uniform(b, 3, 1, 1) * 2 - 1) * (jitter / 3)
        x = x * brightness * gain
        mean_level = x.mean(dim=(1, 2, 3), keepdim=True)
        x = (x - mean_level) * contrast + mean_level
        grey = x.mean(dim=1, keepdim=True)
        x = (x - grey) * saturation + grey
        x = x.clamp_(0.0, 1.0)
    if variation.jpeg_quality > 0:  # last, as a scanner or an upload compresses the image
        x = jpeg(x, draw_quality(variation, b, generator))
    return (x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)


def _rotate_and_zoom(x: torch.Tensor, angle: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Each image turned by its own angle and zoomed by its own factor (reflected edges).

    Smears are imaged at whatever angle the cell lies, and cell size varies between
    people and scanners; quarter turns alone teach only four of the possible angles.
    """
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    zero = torch.zeros_like(cos)
    theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
    grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    return torch.nn.functional.grid_sample(
        x, grid, mode="bilinear", padding_mode="reflection", align_corners=False
    )
