"""Fit an image into the detector's square input without distorting the cells.

Cells are round: stretching a 640x480 field to a square would make them ovals the
detector never saw. The image is scaled by one factor and padded with the smear's
background grey; ``Letterbox`` remembers the factor and offset to map boxes back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = ["PAD_VALUE", "Letterbox", "letterbox"]

PAD_VALUE = 200  # light grey, close to an empty smear background


@dataclass(frozen=True, slots=True)
class Letterbox:
    """Where the original image lies inside the square input."""

    scale: float
    offset_x: int
    offset_y: int

    def to_original(self, boxes: NDArray[np.float64]) -> NDArray[np.float64]:
        """Map ``[x1, y1, x2, y2]`` rows from input pixels back to original pixels."""
        out = boxes.copy()
        out[:, [0, 2]] = (out[:, [0, 2]] - self.offset_x) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.offset_y) / self.scale
        return out


def letterbox(
    image: Image.Image, size: int, scale: float | None = None
) -> tuple[NDArray[np.uint8], Letterbox]:
    """A ``size``-square uint8 RGB array holding ``image`` scaled (to fit by default), centred."""
    width, height = image.size
    factor = scale if scale is not None else size / max(width, height)
    new_w = max(1, min(size, round(width * factor)))
    new_h = max(1, min(size, round(height * factor)))
    resized = image.convert("RGB").resize((new_w, new_h), Image.Resampling.BILINEAR)
    canvas = np.full((size, size, 3), PAD_VALUE, dtype=np.uint8)
    off_x = (size - new_w) // 2
    off_y = (size - new_h) // 2
    canvas[off_y : off_y + new_h, off_x : off_x + new_w] = np.asarray(resized)
    return canvas, Letterbox(factor, off_x, off_y)
