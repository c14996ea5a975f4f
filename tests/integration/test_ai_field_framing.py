"""Field cells are cut with a side of so many red cells: sizes survive, as on training images.

Cut with a frame proportional to each white cell's own box, every cell reached the
classifier at one size (a lymphocyte as large as a monocyte) and its fine accuracy on
its own held-out PBC images, run through the field path, fell to 0.78; the red-cell
ruler keeps it near the 0.94 of the images given directly.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from marrowscope.ai.detection.crops import red_cell_side
from marrowscope.ai.field_cells import DetectorFieldCellFinder
from marrowscope.ai.infer import CellClassifier, default_model_path
from marrowscope.ai.split import load_split


@pytest.fixture(scope="module")
def finder() -> DetectorFieldCellFinder:
    return DetectorFieldCellFinder(threads=1)


def _middle_crop(finder: DetectorFieldCellFinder, image: bytes) -> bytes | None:
    found = finder.find(image, "f.jpg")
    if not found.white_cells:
        return None
    cx, cy = found.width / 2, found.height / 2
    return min(
        found.white_cells,
        key=lambda c: abs((c.box[0] + c.box[2]) / 2 - cx) + abs((c.box[1] + c.box[3]) / 2 - cy),
    ).crop


def _scaled(image: bytes, share: float) -> bytes:
    with Image.open(io.BytesIO(image)) as opened:
        rgb = opened.convert("RGB")
    small = rgb.resize((round(rgb.width * share), round(rgb.height * share)))
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()


def test_the_median_red_cell_is_the_ruler() -> None:
    boxes = [(0.0, 0.0, 40.0, 38.0), (10.0, 10.0, 52.0, 50.0), (0.0, 0.0, 30.0, 44.0)]
    assert red_cell_side(boxes) == 42.0
    assert red_cell_side(boxes[:2]) is None  # two red cells are no ruler


def test_held_out_cells_through_the_field_path_keep_their_class_and_size(
    finder: DetectorFieldCellFinder, shared_data: Path
) -> None:
    classifier = CellClassifier.load_default(threads=1)
    split_file = classifier.spec.info["split"]["file"]
    split = load_split(default_model_path().parent / split_file, root=shared_data / "pbc")
    cells = [s for s in split.part("test")[::20] if s.group not in {"platelet", "erythroblast"}]
    right = same_when_smaller = used = 0
    for sample in cells:
        image = sample.path.read_bytes()
        crop, smaller = _middle_crop(finder, image), _middle_crop(finder, _scaled(image, 0.75))
        if crop is None or smaller is None:
            continue
        first, second = classifier.classify_images([crop, smaller])
        used += 1
        right += classifier.spec.code_groups.get(first.code or "") == sample.group
        same_when_smaller += classifier.spec.code_groups.get(
            second.code or ""
        ) == classifier.spec.code_groups.get(first.code or "")
    assert used >= 60
    assert right / used >= 0.92  # 0.95 measured; 0.89 with the box-proportional frame
    assert same_when_smaller / used >= 0.93  # another magnification, the same answer (0.96; 0.90)


def test_a_field_without_red_cells_says_its_cells_were_framed_by_their_box(
    finder: DetectorFieldCellFinder, shared_data: Path
) -> None:
    """No ruler, no size: the found cell carries that, so the call goes to a person."""
    path = sorted((shared_data / "pbc" / "monocyte").glob("*.jpg"))[0]
    whole = finder.find(path.read_bytes(), "whole.jpg")
    assert whole.white_cells and not any(c.framed_by_box for c in whole.white_cells)
    x1, y1, x2, y2 = whole.white_cells[0].box
    with Image.open(path) as opened:
        field = opened.convert("RGB")
    # the same cell on a bare background: no red cell left to measure the frame by
    bare = Image.new("RGB", field.size, (236, 226, 232))
    margin = 0.15 * (x2 - x1)
    window = (round(x1 - margin), round(y1 - margin), round(x2 + margin), round(y2 + margin))
    bare.paste(field.crop(window), window[:2])
    buffer = io.BytesIO()
    bare.save(buffer, format="PNG")
    alone = finder.find(buffer.getvalue(), "tight.png")
    assert alone.white_cells and all(c.framed_by_box for c in alone.white_cells)
