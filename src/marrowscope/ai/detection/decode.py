"""From the detector's heatmaps to boxes: each local peak is one cell's centre.

The network (CenterNet-style, Zhou et al. 2019, arXiv:1904.07850) answers per output
pixel and class the probability that a cell's centre lies there, plus the cell's size
and a sub-pixel offset. A peak is a pixel that is the maximum of its 3x3 neighbourhood;
round, mostly separate cells suit this better than anchor boxes, and it needs no
anchor tuning.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["decode_peaks"]


def _peaks(heat: NDArray[np.float32]) -> NDArray[np.bool_]:
    """True where a value is the maximum of its 3x3 neighbourhood (per channel)."""
    padded = np.pad(heat, ((0, 0), (1, 1), (1, 1)), constant_values=-1.0)
    _, h, w = heat.shape
    neighbourhood = np.max(
        np.stack([padded[:, dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)]),
        axis=0,
    )
    out: NDArray[np.bool_] = heat >= neighbourhood
    return out


def decode_peaks(
    heat: NDArray[np.float32],
    size_log: NDArray[np.float32],
    offset: NDArray[np.float32],
    stride: int,
    min_score: float,
    max_cells: int = 500,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Boxes (input pixels), scores and class indices of the peaks above ``min_score``.

    ``heat`` is C x H x W probabilities; ``size_log`` 2 x H x W, log of width and height in
    output pixels; ``offset`` 2 x H x W, the centre's sub-pixel position.
    """
    mask = _peaks(heat) & (heat >= min_score)
    cls, ys, xs = np.nonzero(mask)
    scores = heat[cls, ys, xs].astype(np.float64)
    if scores.size > max_cells:
        top = np.argsort(-scores)[:max_cells]
        cls, ys, xs, scores = cls[top], ys[top], xs[top], scores[top]
    cx = (xs + offset[0, ys, xs]) * stride
    cy = (ys + offset[1, ys, xs]) * stride
    w = np.exp(size_log[0, ys, xs]) * stride
    h = np.exp(size_log[1, ys, xs]) * stride
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float64)
    return boxes.reshape(-1, 4), scores, cls.astype(np.int64)
