"""How wide the classifier's frame is around a white cell, measured on its own training images.

The classifier learned from PBC images: one white cell centred in a frame of fixed size
(CellaVision DM96 crops). Running the detector on those very images gives, per image,
the ratio of the frame's side to the white cell's box side; the median ratio is the
``frame_factor`` with which field cells are cut out (``ai.detection.crops``), so that a
cell from a field reaches the classifier at the size and framing it was trained on.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from marrowscope.ai.detection.detector import CellDetector
from marrowscope.domain.errors import InvalidInput

__all__ = ["measure_frame_factor"]


def measure_frame_factor(detector: CellDetector, images: Sequence[Path]) -> tuple[float, int]:
    """Median frame side / box side over images with exactly one white cell; and how many."""
    ratios: list[float] = []
    for path in images:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        white = [c for c in detector.detect(image) if c.label == "WBC"]
        if len(white) != 1:
            continue
        x1, y1, x2, y2 = white[0].box
        ratios.append(min(image.size) / max(x2 - x1, y2 - y1))
    if len(ratios) < 10:
        raise InvalidInput(
            f"only {len(ratios)} images with one white cell; cannot measure the frame"
        )
    return statistics.median(ratios), len(ratios)
