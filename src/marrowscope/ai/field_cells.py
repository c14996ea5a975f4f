"""The detector as the analysis service sees it: a field image in, framed white cells out.

``services.ai_review`` depends on ``FieldCellFinderPort``; this adapter satisfies it with
the shipped ONNX detector. For each white cell it returns the crop the classifier will
read (framed as its training images), a larger view of the cell among its neighbours
for the reviewer, the box and the detector's score; red cells and platelets are only
counted (they are not part of the differential).

The crop's side is a number of red cells (the field's median red cell, the microscope's
own ruler), so every white cell reaches the classifier at the size it has on the
classifier's training images, whatever the magnification; a field with fewer than three
red cells falls back to a side proportional to the white cell's own box
(``ai.train.detection.framing`` says why and what each costs).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

from marrowscope.ai.cell_review import model_version_of
from marrowscope.ai.detection.crops import cut_square, jpeg_bytes, red_cell_side
from marrowscope.ai.detection.detector import CellDetector, default_detector_path
from marrowscope.ai.detection.field_image import open_field
from marrowscope.domain.ai_review import FieldCells, FoundCell

__all__ = ["CLASSIFIER_CROP_PX", "CONTEXT_FACTOR", "DetectorFieldCellFinder"]

# The classifier reads 80 px of the central 62.5 %: 160 px keeps twice that detail, and
# is the gallery's thumbnail size too, so the crop is stored as it is (no second encode).
CLASSIFIER_CROP_PX = 160
CONTEXT_FACTOR = 3.5  # the reviewer's enlarged view: the cell and a ring of neighbours
CONTEXT_PX = 360
DEFAULT_FRAME_FACTOR = 2.0


class DetectorFieldCellFinder:
    """``FieldCellFinderPort`` on the detector named by a sidecar (default: shipped)."""

    def __init__(self, sidecar: Path | None = None, threads: int | None = None) -> None:
        path = sidecar or default_detector_path()
        self._detector = CellDetector(path, threads)
        self.detector_name = self._detector.spec.name
        self.detector_version = model_version_of(path, self._detector.spec.onnx_file)
        self._frame_factor = self._detector.spec.frame_factor or DEFAULT_FRAME_FACTOR
        self._frame_red_cells = self._detector.spec.frame_red_cells

    def find(self, image: bytes, name: str) -> FieldCells:
        """The field's white cells, framed; raises ``InvalidImage`` with a one-line reason."""
        field = open_field(image, name)
        found = self._detector.detect(field)
        ruler = red_cell_side([c.box for c in found if c.label == "RBC"])
        cells = tuple(
            FoundCell(
                crop=jpeg_bytes(
                    cut_square(field, c.box, self._factor(c.box, ruler)), CLASSIFIER_CROP_PX
                ),
                context=jpeg_bytes(
                    cut_square(field, c.box, CONTEXT_FACTOR), CONTEXT_PX, quality=85
                ),
                box=c.box,
                score=c.score,
                framed_by_box=ruler is None or self._frame_red_cells is None,
            )
            for c in found
            if c.label == "WBC"
        )
        counts = Counter(c.label for c in found)
        return FieldCells(
            name=name,
            sha256=hashlib.sha256(image).hexdigest(),
            width=field.width,
            height=field.height,
            white_cells=cells,
            red_cells=counts.get("RBC", 0),
            platelets=counts.get("PLT", 0),
        )

    def _factor(self, box: tuple[float, float, float, float], ruler: float | None) -> float:
        """Crop side over the box's longer side: from red cells when the field has them."""
        if ruler is None or self._frame_red_cells is None:
            return self._frame_factor
        x1, y1, x2, y2 = box
        return self._frame_red_cells * ruler / max(1.0, x2 - x1, y2 - y1)
