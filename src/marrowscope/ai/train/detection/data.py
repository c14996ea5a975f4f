"""TXL-PBC-style YOLO folders: ``images/{split}/*.jpg`` beside ``labels/{split}/*.txt``.

Each label line is ``class cx cy w h``, normalised to the image; a line repeated exactly
is one box (``ai.detection.yolo_labels``). Images are decoded
once and kept in memory (about a thousand fields), then every epoch draws new
augmented views: a scale change (fields come from several microscopes and cameras),
flips and quarter turns (a smear has no up), and stain and brightness jitter.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from marrowscope.ai.detection.letterbox import letterbox
from marrowscope.ai.detection.yolo_labels import read_yolo_boxes
from marrowscope.domain.errors import InvalidInput

__all__ = ["Field", "augment", "load_fields"]


@dataclass(frozen=True, slots=True)
class Field:
    """One annotated field: the image and its boxes (``[x1, y1, x2, y2]`` pixels, class)."""

    path: Path
    image: Image.Image
    boxes: NDArray[np.float64]
    classes: NDArray[np.int64]


def load_fields(root: Path, split: str, limit: int | None = None) -> list[Field]:
    """Every image of ``split`` with its boxes, sorted by name (a fixed order for seeds)."""
    image_dir = root / "images" / split
    if not image_dir.is_dir():
        raise InvalidInput(f"no folder {image_dir} (expected YOLO layout images/{split}/)")
    fields: list[Field] = []
    for path in sorted(image_dir.glob("*.jpg"))[:limit]:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        boxes, classes = read_yolo_boxes(root / "labels" / split / f"{path.stem}.txt", *image.size)
        fields.append(Field(path, image, boxes, classes))
    if not fields:
        raise InvalidInput(f"no .jpg images in {image_dir}")
    return fields


def _turn(
    canvas: NDArray[np.uint8], boxes: NDArray[np.float64], rng: random.Random
) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    size = canvas.shape[0]
    if rng.random() < 0.5:
        canvas = canvas[:, ::-1]
        boxes = boxes[:, [2, 1, 0, 3]] * [-1, 1, -1, 1] + [size, 0, size, 0]
    if rng.random() < 0.5:
        canvas = canvas[::-1]
        boxes = boxes[:, [0, 3, 2, 1]] * [1, -1, 1, -1] + [0, size, 0, size]
    if rng.random() < 0.5:  # transpose: with the flips, all eight orientations
        canvas = canvas.transpose(1, 0, 2)
        boxes = boxes[:, [1, 0, 3, 2]]
    return np.ascontiguousarray(canvas), boxes


def augment(
    field: Field, size: int, rng: random.Random, train: bool
) -> tuple[NDArray[np.uint8], NDArray[np.float64], NDArray[np.int64]]:
    """A ``size``-square view of ``field`` and its boxes in that view's pixels."""
    width, height = field.image.size
    fit = size / max(width, height)
    scale = fit * (rng.uniform(0.75, 1.3) if train else 1.0)
    if scale <= fit:
        canvas, box = letterbox(field.image, size, scale)
        boxes = field.boxes * box.scale + [box.offset_x, box.offset_y, box.offset_x, box.offset_y]
    else:  # larger than fits: a random window of the scaled image
        big_w, big_h = round(width * scale), round(height * scale)
        x0 = rng.randint(0, max(0, big_w - size))
        y0 = rng.randint(0, max(0, big_h - size))
        window = field.image.resize((big_w, big_h), Image.Resampling.BILINEAR).crop(
            (x0, y0, x0 + size, y0 + size)
        )
        canvas, _ = letterbox(window, size, 1.0)
        boxes = field.boxes * scale - [x0, y0, x0, y0]
    classes = field.classes
    centre_x = (boxes[:, 0] + boxes[:, 2]) / 2
    centre_y = (boxes[:, 1] + boxes[:, 3]) / 2
    inside = (centre_x >= 0) & (centre_x < size) & (centre_y >= 0) & (centre_y < size)
    boxes, classes = boxes[inside], classes[inside]
    if train:
        canvas, boxes = _turn(canvas, boxes, rng)
        gains = np.array([rng.uniform(0.85, 1.15) for _ in range(3)]) * rng.uniform(0.8, 1.2)
        canvas = np.clip(canvas.astype(np.float32) * gains + rng.uniform(-20, 20), 0, 255).astype(
            np.uint8
        )
    return canvas, boxes, classes
