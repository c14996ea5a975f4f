"""Slide fields: detection AP50, white-cell counts per field, and a 500-cell differential's time.

Everything runs the shipped ONNX models through the same code the app uses
(``ai.field_cells`` and ``ai.cell_review``), on TXL-PBC's validation split from
``../shared/data/txl_pbc``:

1. AP50 per class (VOC all-point, ``ai.detection.average_precision``), white-cell AP50
   per source (the image size names it), and the share of fields whose automatic
   white-cell count is within +/-1 of the annotation; exact duplicate label lines count
   once (``ai.detection.yolo_labels``);
2. a 500-cell differential from field images end to end (decode, detect, crop, classify,
   differential), beside two references measured in the same run: decoding the same
   JPEGs alone (the floor), and a person counting at 3 cells/s.

    .venv/bin/python benchmarks/slide_fields.py [--threads 2] [--data ../shared/data/txl_pbc]
"""

from __future__ import annotations

import argparse
import io
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from marrowscope.ai.cell_review import ModelCellReviewer
from marrowscope.ai.detection.average_precision import ImageBoxes, average_precision
from marrowscope.ai.detection.boxes import LABELS
from marrowscope.ai.detection.detector import CellDetector
from marrowscope.ai.detection.yolo_labels import read_yolo_boxes
from marrowscope.ai.field_cells import DetectorFieldCellFinder
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.differential import compute_differential

PERSON_CELLS_PER_S = 3.0
# TXL-PBC names no source per field; its sources have distinct image sizes
SOURCES = {
    (360, 363): "PBC",
    (366, 369): "PBC",
    (575, 575): "Raabin",
    (640, 480): "BCCD",
    (416, 416): "BCD",
}
# AP is computed over every candidate down to this score, as COCO-style evaluation does;
# the per-field counts use the detector's own threshold (the cells the app keeps).
EVAL_MIN_SCORE = 0.05


def _say(line: str) -> None:
    print(line)  # noqa: T201 - a benchmark prints its figures


def detection_figures(detector: CellDetector, root: Path) -> None:
    """AP50 per class and the white-cell count agreement on the validation split."""
    per_class: dict[int, list[ImageBoxes]] = {c: [] for c in range(len(LABELS))}
    per_source: dict[str, list[ImageBoxes]] = {}
    within_one = 0
    fields = sorted((root / "images" / "val").glob("*.jpg"))
    for path in fields:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        truth, truth_cls = read_yolo_boxes(
            root / "labels" / "val" / f"{path.stem}.txt", *image.size
        )
        cells = detector.detect(image, min_score=EVAL_MIN_SCORE)
        boxes = np.array([c.box for c in cells]).reshape(-1, 4)
        scores = np.array([c.score for c in cells])
        classes = np.array([LABELS.index(c.label) for c in cells], dtype=int)
        for c in per_class:
            per_class[c].append(
                ImageBoxes(truth[truth_cls == c], boxes[classes == c], scores[classes == c])
            )
        per_source.setdefault(SOURCES.get(image.size, "other"), []).append(
            ImageBoxes(truth[truth_cls == 0], boxes[classes == 0], scores[classes == 0])
        )
        counted = scores >= detector.spec.min_score  # the cells the app keeps and counts
        found_wbc = int(((classes == 0) & counted).sum())
        within_one += abs(found_wbc - int((truth_cls == 0).sum())) <= 1
    for c, images in per_class.items():
        _say(
            f"AP50 {LABELS[c]:<4} {average_precision(images):.4f}   "
            f"(validation split, {len(fields)} fields)"
        )
    for source, images in sorted(per_source.items()):
        _say(f"AP50 WBC  {average_precision(images):.4f}   ({source} fields only, {len(images)})")
    _say(
        f"white-cell count within +/-1 of the annotation: {within_one}/{len(fields)} fields "
        f"= {within_one / len(fields):.1%} (target >= 95 %)"
    )


def differential_500(
    finder: DetectorFieldCellFinder, classifier: ModelCellReviewer, root: Path
) -> None:
    """Seconds for a 500-cell differential from field images, with same-run references."""
    paths = sorted((root / "images" / "val").glob("*.jpg")) + sorted(
        (root / "images" / "train").glob("*.jpg")
    )
    blobs = [p.read_bytes() for p in paths]
    began = time.perf_counter()
    codes: Counter[str] = Counter()
    used = 0
    for i, blob in enumerate(blobs):
        found = finder.find(blob, paths[i].name)
        calls = (
            classifier.classify([c.crop for c in found.white_cells]) if found.white_cells else []
        )
        codes.update(c.code.value for c in calls if not isinstance(c, str))
        used = i + 1
        if sum(codes.values()) >= 500:
            break
    differential = compute_differential(CellCounts.of(dict(codes)))
    pipeline_s = time.perf_counter() - began
    began = time.perf_counter()
    for blob in blobs[:used]:
        with Image.open(io.BytesIO(blob)) as opened:
            opened.convert("RGB")
    decode_s = time.perf_counter() - began
    cells = sum(codes.values())
    person_s = cells / PERSON_CELLS_PER_S
    _say(
        f"500-cell differential from fields: {cells} white cells from {used} fields in "
        f"{pipeline_s:.2f} s ({cells / pipeline_s:.0f} cells/s; target <= 10 s); "
        f"nucleated in the differential {differential.nucleated_cells}"
    )
    _say(
        f"  reference, same run: decoding the {used} JPEGs alone {decode_s:.2f} s; "
        f"a person at {PERSON_CELLS_PER_S:.0f} cells/s {person_s:.0f} s "
        f"-> {person_s / pipeline_s:.0f}x faster than counting by eye"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "data" / "txl_pbc",
    )
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    finder = DetectorFieldCellFinder(threads=args.threads)
    classifier = ModelCellReviewer.load(threads=args.threads)
    _say(
        f"detector {finder.detector_name} {finder.detector_version}; "
        f"classifier {classifier.model_name}; {args.threads} thread(s)"
    )
    detection_figures(CellDetector(threads=args.threads), args.data)
    differential_500(finder, classifier, args.data)


if __name__ == "__main__":
    main()
