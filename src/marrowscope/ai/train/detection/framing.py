"""How wide the classifier's frame is around a white cell, measured on its own training images.

The classifier learned from PBC images: one white cell centred in a frame of fixed size
(CellaVision DM96 crops). Running the detector on those very images gives, per image,
the ratio of the frame's side to the white cell's box side; the median ratio is the
``frame_factor``.

That ratio scales every cell to one size: a small lymphocyte is blown up to a monocyte's
size, and size is how a morphologist tells them apart (cut so, the classifier's fine
accuracy on its own held-out PBC images fell from 0.937 to 0.782). The microscope's own
ruler is the red cell (about 7.5 um in any laboratory): ``frame_red_cells`` is the median
ratio of the frame's side to the median red cell's box side of each image, and field
cells are cut with a side of that many red cells (``ai.field_cells``), which keeps every
white cell's size, at any magnification (fine accuracy 0.933).

    .venv/bin/python -m marrowscope.ai.train.detection.framing DETECTOR.json \
        --images ../shared/data/pbc
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from marrowscope.ai.detection.crops import red_cell_side
from marrowscope.ai.detection.detector import CellDetector
from marrowscope.domain.errors import InvalidInput

__all__ = ["measure_frame_factor", "measure_red_cell_frame", "write_framing"]


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


def measure_red_cell_frame(detector: CellDetector, images: Sequence[Path]) -> tuple[float, int]:
    """Median frame side / median red-cell side over images with a ruler; and how many."""
    ratios: list[float] = []
    for path in images:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        side = red_cell_side([c.box for c in detector.detect(image) if c.label == "RBC"])
        if side:
            ratios.append(min(image.size) / side)
    if len(ratios) < 10:
        raise InvalidInput(f"only {len(ratios)} images with red cells; cannot measure the frame")
    return statistics.median(ratios), len(ratios)


def write_framing(sidecar: Path, images: Path) -> str:
    """Measure both framings on 300 of ``images`` (fixed order), write them, say what."""
    files = sorted(images.rglob("*.jpg")) if images.is_dir() else []
    random.Random(0).shuffle(files)
    detector = CellDetector(sidecar, threads=2)
    factor, used = measure_frame_factor(detector, files[:300])
    red, red_used = measure_red_cell_frame(detector, files[:300])
    data = json.loads(sidecar.read_text())
    data.update(
        frame_factor=round(factor, 3),
        frame_factor_images=used,
        frame_red_cells=round(red, 3),
        frame_red_cells_images=red_used,
    )
    sidecar.write_text(json.dumps(data, indent=2) + "\n")
    return f"frame factor {factor:.3f} ({used} images); red cells {red:.3f} ({red_used})"


def main(argv: Sequence[str] | None = None) -> None:
    """Measure both framings on the classifier's images and write them in the sidecar."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sidecar", type=Path)
    parser.add_argument("--images", type=Path, required=True)
    args = parser.parse_args(argv)
    print(write_framing(args.sidecar, args.images))  # noqa: T201


if __name__ == "__main__":
    main()
