"""Cutting a found white cell out of its field, framed the way the classifier learned it.

The classifier was trained on CellaVision-style images: one cell centred in a square
frame a fixed multiple of its diameter wide, with red cells around it. A crop that is
tighter or looser than that shows the network a cell of another apparent size, so the
frame is a fixed number of the field's red cells wide (``red_cell_side``), or, in a
field without red cells, ``frame_factor`` times the box's longer side; both factors are
measured by running the detector on the classifier's own training images
(``ai.train.detection.framing``). Parts of the frame outside the field are filled with
the field's own median colour.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Sequence

import numpy as np
from PIL import Image

__all__ = ["MIN_RED_CELLS", "cut_square", "jpeg_bytes", "red_cell_side"]

MIN_RED_CELLS = 3  # fewer red cells in a field are no ruler: the box sets the frame


def red_cell_side(boxes: Sequence[tuple[float, float, float, float]]) -> float | None:
    """The median red cell's longer box side, or None under ``MIN_RED_CELLS`` red cells.

    Red cells are the microscope's ruler (about 7.5 um in any laboratory): a crop side
    measured in red cells keeps a white cell's size at any magnification.
    """
    sides = [max(x2 - x1, y2 - y1) for x1, y1, x2, y2 in boxes]
    return statistics.median(sides) if len(sides) >= MIN_RED_CELLS else None


def cut_square(
    image: Image.Image, box: tuple[float, float, float, float], frame_factor: float
) -> Image.Image:
    """The square of side ``frame_factor`` x the box's longer side, centred on the box."""
    x1, y1, x2, y2 = box
    side = max(8, round(max(x2 - x1, y2 - y1) * frame_factor))
    left = round((x1 + x2) / 2 - side / 2)
    top = round((y1 + y2) / 2 - side / 2)
    inside = left >= 0 and top >= 0 and left + side <= image.width and top + side <= image.height
    if inside:
        return image.crop((left, top, left + side, top + side))
    small = image.copy()
    small.thumbnail((48, 48))  # the median of a thumbnail: the same grey at a thousandth the cost
    background = tuple(int(v) for v in np.median(np.asarray(small).reshape(-1, 3), axis=0))
    canvas = Image.new("RGB", (side, side), background)
    part = image.crop(
        (max(0, left), max(0, top), min(image.width, left + side), min(image.height, top + side))
    )
    canvas.paste(part, (max(0, -left), max(0, -top)))
    return canvas


def jpeg_bytes(image: Image.Image, max_px: int, quality: int = 90) -> bytes:
    """The image as JPEG, shrunk to ``max_px`` on its longer side if larger."""
    copy = image.copy()
    copy.thumbnail((max_px, max_px), Image.Resampling.BILINEAR, reducing_gap=2.0)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=quality)
    return out.getvalue()
