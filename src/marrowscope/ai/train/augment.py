"""Batch augmentation on the CPU, in torch, on whole uint8 batches.

Stained smears have no up or down: flips and 90-degree rotations are free extra data.
Stains vary between labs and days: brightness, contrast, saturation and per-channel
gain jitter teach the model to look at shape and granules rather than at the hue.
"""

from __future__ import annotations

import torch

__all__ = ["augment", "to_float"]


def to_float(batch: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """(B, H, W, 3) uint8 -> (B, 3, H, W) standardised float, as inference does it."""
    x = batch.permute(0, 3, 1, 2).float().div_(255.0)
    return (x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)


def augment(
    batch: torch.Tensor,
    mean: torch.Tensor,
    std: torch.Tensor,
    jitter: float,
    generator: torch.Generator,
) -> torch.Tensor:
    """Randomly flipped, rotated, shifted and colour-jittered standardised batch."""
    x = batch.permute(0, 3, 1, 2).float().div_(255.0)
    b = x.shape[0]

    def uniform(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator)

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
    return (x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
