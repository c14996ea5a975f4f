"""Boxes of a YOLO label file (``class cx cy w h``, normalised), exact duplicates dropped.

Public detection sets are not clean: TXL-PBC's test split repeats one box six times in
one image. Counted as six objects, such a box turns five correct "misses" into a
recall the detector can never reach; counted in training, it weighs one cell six
times. A line repeated *exactly* is one annotation; boxes that merely overlap are kept,
as crowded fields really do have touching cells.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["read_yolo_boxes", "unique_label_rows"]


def unique_label_rows(text: str) -> list[list[str]]:
    """The label lines split into fields, each distinct line once, in file order."""
    seen: set[tuple[str, ...]] = set()
    rows = []
    for line in text.splitlines():
        fields = line.split()
        if not fields or tuple(fields) in seen:
            continue
        seen.add(tuple(fields))
        rows.append(fields)
    return rows


def read_yolo_boxes(
    path: Path, width: int, height: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``(boxes, classes)``: ``[x1, y1, x2, y2]`` in pixels of a ``width`` x ``height`` image.

    A missing label file is an image with no annotated object.
    """
    rows = unique_label_rows(path.read_text()) if path.exists() else []
    if not rows:
        return np.zeros((0, 4)), np.zeros(0, dtype=np.int64)
    a = np.array([[float(v) for v in row[:5]] for row in rows])
    cx, cy, w, h = a[:, 1] * width, a[:, 2] * height, a[:, 3] * width, a[:, 4] * height
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    return boxes, a[:, 0].astype(np.int64)
