"""Training targets of the centre-heatmap detector, and its loss.

Each box puts a Gaussian bump on its class's heatmap at its centre (sigma from the
box's size, so a platelet's bump is small and a white cell's wide); the network also
learns the box's log width and height and the centre's sub-pixel offset at that pixel.
The heatmap loss is the penalty-reduced focal loss of CenterNet (Zhou et al. 2019):
most pixels are background, and pixels near a centre are punished less.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import NDArray

__all__ = ["detection_loss", "make_targets"]


def make_targets(
    boxes: NDArray[np.float64],
    classes: NDArray[np.int64],
    n_classes: int,
    out_size: int,
    stride: int,
) -> dict[str, NDArray[np.float32]]:
    """Heatmap (C x S x S), size and offset maps (2 x S x S) and the mask of centre pixels."""
    heat = np.zeros((n_classes, out_size, out_size), dtype=np.float32)
    size = np.zeros((2, out_size, out_size), dtype=np.float32)
    offset = np.zeros((2, out_size, out_size), dtype=np.float32)
    mask = np.zeros((out_size, out_size), dtype=np.float32)
    grid = np.arange(out_size, dtype=np.float32)
    for (x1, y1, x2, y2), cls in zip(boxes / stride, classes, strict=True):
        w, h = max(x2 - x1, 0.5), max(y2 - y1, 0.5)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        ix, iy = int(np.clip(cx, 0, out_size - 1)), int(np.clip(cy, 0, out_size - 1))
        sigma = max(0.6, min(w, h) / 6)
        bump = np.exp(-((grid[None, :] - ix) ** 2 + (grid[:, None] - iy) ** 2) / (2 * sigma**2))
        heat[cls] = np.maximum(heat[cls], bump)
        size[:, iy, ix] = (np.log(w), np.log(h))
        offset[:, iy, ix] = (cx - ix, cy - iy)
        mask[iy, ix] = 1.0
    return {"heat": heat, "size": size, "offset": offset, "mask": mask}


def detection_loss(out: dict[str, torch.Tensor], target: dict[str, torch.Tensor]) -> torch.Tensor:
    """Focal heatmap loss plus L1 on size (weight 0.5) and offset (weight 1) at centres."""
    pred = out["heat"].clamp(1e-4, 1 - 1e-4)
    gt = target["heat"]
    positive = gt.eq(1).float()
    pos_loss = -(torch.log(pred) * (1 - pred) ** 2 * positive).sum()
    neg_loss = -(torch.log(1 - pred) * pred**2 * (1 - gt) ** 4 * (1 - positive)).sum()
    n_pos = positive.sum().clamp(min=1.0)
    mask = target["mask"].unsqueeze(1)
    n_centre = mask.sum().clamp(min=1.0)
    size_l1 = (torch.abs(out["size"] - target["size"]) * mask).sum() / n_centre
    offset_l1 = (torch.abs(out["offset"] - target["offset"]) * mask).sum() / n_centre
    return (pos_loss + neg_loss) / n_pos + 0.5 * size_l1 + offset_l1
