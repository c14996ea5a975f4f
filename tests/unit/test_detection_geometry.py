"""Detection geometry: suppression, tiling ownership, letterbox mapping and peak decoding."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from marrowscope.ai.detection.boxes import iou_one_to_many, suppress
from marrowscope.ai.detection.decode import decode_peaks
from marrowscope.ai.detection.letterbox import letterbox
from marrowscope.ai.detection.tiling import tiles


def test_iou_matches_a_hand_computation() -> None:
    a = np.array([0.0, 0.0, 10.0, 10.0])
    others = np.array([[5.0, 5.0, 15.0, 15.0], [20.0, 20.0, 30.0, 30.0], [0.0, 0.0, 10.0, 10.0]])
    assert iou_one_to_many(a, others) == pytest.approx([25 / 175, 0.0, 1.0])


def test_suppress_keeps_the_surer_of_two_overlapping_boxes_of_one_class_only() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [1, 1, 11, 11], [50, 50, 60, 60]], float)
    scores = np.array([0.6, 0.9, 0.8, 0.3])
    classes = np.array([0, 0, 1, 0])
    kept = suppress(boxes, scores, classes, 0.5)
    assert list(kept) == [1, 2, 3]  # box 0 lost to box 1; box 2 is another class


@pytest.mark.parametrize(("width", "height"), [(2000, 1500), (641, 640), (5000, 700)])
def test_every_point_is_owned_by_exactly_one_tile(width: int, height: int) -> None:
    covering = tiles(width, height, 640, 192)
    rng = np.random.default_rng(1)
    for cx, cy in rng.uniform(0, 1, (2000, 2)) * [width, height]:
        owners = [t for t in covering if t.owns(cx, cy)]
        assert len(owners) == 1
        (tile,) = owners
        assert tile.x0 <= cx < tile.x1 and tile.y0 <= cy < tile.y1


def test_a_cell_on_a_tile_border_lies_whole_in_its_owner() -> None:
    """The overlap exceeds a cell's diameter, so the owning tile sees the whole cell."""
    covering = tiles(3000, 3000, 640, 192)
    radius = 90  # a large white cell at the tile scale
    rng = np.random.default_rng(2)
    for cx, cy in rng.uniform(radius, 3000 - radius, (2000, 2)):
        (tile,) = [t for t in covering if t.owns(cx, cy)]
        assert tile.x0 <= cx - radius and cx + radius <= tile.x1
        assert tile.y0 <= cy - radius and cy + radius <= tile.y1


def test_letterbox_maps_boxes_back_to_the_original_pixels() -> None:
    image = Image.new("RGB", (640, 480), "white")
    canvas, frame = letterbox(image, 320)
    assert canvas.shape == (320, 320, 3)
    original = np.array([[100.0, 50.0, 300.0, 250.0]])
    in_input = original * frame.scale + [frame.offset_x, frame.offset_y] * 2
    assert frame.to_original(in_input) == pytest.approx(original)


def test_decode_finds_one_box_per_peak_with_size_and_offset() -> None:
    heat = np.zeros((3, 20, 20), np.float32)
    heat[0, 5, 7] = 0.9
    heat[0, 5, 8] = 0.5  # a neighbour of the peak, not a peak itself
    heat[2, 15, 3] = 0.4
    size = np.zeros((2, 20, 20), np.float32)
    size[:, 5, 7] = np.log([10.0, 8.0])
    offset = np.zeros((2, 20, 20), np.float32)
    offset[:, 5, 7] = (0.5, 0.25)
    boxes, scores, classes = decode_peaks(heat, size, offset, stride=4, min_score=0.3)
    order = np.argsort(-scores)
    assert list(classes[order]) == [0, 2]
    cx, cy = (7.5) * 4, (5.25) * 4
    assert boxes[order][0] == pytest.approx([cx - 20, cy - 16, cx + 20, cy + 16])
