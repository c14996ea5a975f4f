"""Average precision at IoU 0.5 (AP50), the figure detection targets are stated in.

Pascal VOC's all-point definition (Everingham et al. 2010, as revised in 2010 and
used by the COCO tools at a single IoU): detections of one class over all images,
surest first; each is a true positive when it overlaps a ground-truth box of that
class not yet matched by IoU >= 0.5; AP is the area under the precision-recall curve
made monotone from the right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from marrowscope.ai.detection.boxes import iou_one_to_many

__all__ = ["ImageBoxes", "average_precision"]


@dataclass(frozen=True, slots=True)
class ImageBoxes:
    """Ground truth and detections of one class in one image (rows ``[x1, y1, x2, y2]``)."""

    truth: NDArray[np.float64]
    found: NDArray[np.float64]
    scores: NDArray[np.float64]


def _area_under(recall: NDArray[np.float64], precision: NDArray[np.float64]) -> float:
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    for i in range(p.size - 2, -1, -1):
        p[i] = max(p[i], p[i + 1])
    steps = np.nonzero(r[1:] != r[:-1])[0]
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def average_precision(images: Sequence[ImageBoxes], iou_threshold: float = 0.5) -> float:
    """AP of one class; ``nan`` when no image has a ground-truth box of it."""
    n_truth = sum(len(im.truth) for im in images)
    if n_truth == 0:
        return float("nan")
    records: list[tuple[float, int, int]] = []  # score, image, detection index
    for i, im in enumerate(images):
        records.extend((float(s), i, j) for j, s in enumerate(im.scores))
    records.sort(key=lambda rec: -rec[0])
    matched = [np.zeros(len(im.truth), dtype=bool) for im in images]
    hits = np.zeros(len(records))
    for k, (_, i, j) in enumerate(records):
        truth = images[i].truth
        if truth.size == 0:
            continue
        overlap = iou_one_to_many(images[i].found[j], truth)
        overlap[matched[i]] = -1.0
        best = int(np.argmax(overlap))
        if overlap[best] >= iou_threshold:
            matched[i][best] = True
            hits[k] = 1.0
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(records) + 1) if records else np.zeros(0)
    recall = tp / n_truth
    return _area_under(recall, precision)
