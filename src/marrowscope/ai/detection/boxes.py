"""Boxes in pixels of the original image, and the non-maximum suppression that merges them.

A cell seen twice (by two heatmap peaks, or in two overlapping tiles of a large scan)
must be counted once: suppression keeps the surer of two boxes of one class that
overlap more than a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["LABELS", "DetectedCell", "iou_one_to_many", "suppress"]

# Order of the detector's heatmap channels; TXL-PBC's YOLO classes are in this order.
LABELS: tuple[str, ...] = ("WBC", "RBC", "PLT")


@dataclass(frozen=True, slots=True)
class DetectedCell:
    """One cell found in a field: its kind, how sure the detector is, and where it is."""

    label: str
    score: float
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in original pixels

    def as_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "box": [round(v, 1) for v in self.box],
        }


def iou_one_to_many(box: NDArray[np.float64], boxes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Intersection over union of one ``[x1, y1, x2, y2]`` box with each row of ``boxes``."""
    if boxes.size == 0:
        return np.zeros(0)
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    out: NDArray[np.float64] = np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)
    return out


def suppress(
    boxes: NDArray[np.float64],
    scores: NDArray[np.float64],
    classes: NDArray[np.int64],
    iou_threshold: float,
) -> NDArray[np.int64]:
    """Indices of the boxes kept, surest first; boxes of different classes never suppress."""
    order = np.argsort(-scores, kind="stable")
    kept: list[int] = []
    for cls in np.unique(classes):
        idx = order[classes[order] == cls]
        while idx.size:
            best = int(idx[0])
            kept.append(best)
            if idx.size == 1:
                break
            overlap = iou_one_to_many(boxes[best], boxes[idx[1:]])
            idx = idx[1:][overlap <= iou_threshold]
    kept_arr = np.array(kept, dtype=np.int64)
    return kept_arr[np.argsort(-scores[kept_arr], kind="stable")] if kept else kept_arr
