"""What the detector hands the analysis use case for one field image.

Plain values, so that the service (and its tests) never touch Pillow or ONNX Runtime:
the crops arrive as JPEG bytes, ready for the classifier and for the review gallery.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FieldCells", "FoundCell"]


@dataclass(frozen=True, slots=True)
class FoundCell:
    """One white cell: the classifier's crop, the reviewer's wider view, box and score."""

    crop: bytes
    context: bytes
    box: tuple[float, float, float, float]
    score: float
    # the field had too few red cells to measure the frame by: the crop follows the cell's
    # own box, so the classifier cannot judge the cell's size (a person decides it)
    framed_by_box: bool = False


@dataclass(frozen=True, slots=True)
class FieldCells:
    """Every white cell of one field, and how many red cells and platelets it shows."""

    name: str
    sha256: str
    width: int
    height: int
    white_cells: tuple[FoundCell, ...]
    red_cells: int
    platelets: int
