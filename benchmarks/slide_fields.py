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
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from marrowscope.ai.cell_review import ModelCellReviewer
from marrowscope.ai.detection.average_precision import ImageBoxes, average_precision
from marrowscope.ai.detection.boxes import LABELS, iou_one_to_many
from marrowscope.ai.detection.detector import CellDetector, default_detector_path
from marrowscope.ai.detection.sources import source_of
from marrowscope.ai.detection.yolo_labels import read_yolo_boxes
from marrowscope.ai.field_cells import DetectorFieldCellFinder
from marrowscope.domain.ai_review import cut_by_field_edge
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.differential import compute_differential

PERSON_CELLS_PER_S = 3.0
# AP is computed over every candidate down to this score, as COCO-style evaluation does;
# the per-field counts use the detector's own threshold (the cells the app keeps).
EVAL_MIN_SCORE = 0.05
CROWDED_IOU = 0.05  # a white cell overlapping a neighbour's box by more is crowded


def _say(line: str) -> None:
    print(line)  # noqa: T201 - a benchmark prints its figures


def _fields(root: Path, splits: tuple[str, ...], source: str | None) -> list[tuple[Path, str]]:
    """(image, split) of ``splits``, only ``source``'s fields when one is named."""
    out = []
    for split in splits:
        for path in sorted((root / "images" / split).glob("*.jpg")):
            if source is not None:
                with Image.open(path) as opened:
                    if source_of(opened.size) != source:
                        continue
            out.append((path, split))
    return out


def _misses(
    truth: np.ndarray, others: np.ndarray, found: np.ndarray, size: tuple[int, int]
) -> list[tuple[str, bool]]:
    """Per true white cell: (kind, found) with kind border / crowded / clear."""
    width, height = size
    out = []
    for i, box in enumerate(truth):
        x1, y1, x2, y2 = (float(v) for v in box)
        border = cut_by_field_edge((x1, y1, x2, y2), width, height)
        rest = np.delete(others, i, axis=0) if len(others) else others
        crowded = bool(len(rest)) and bool((iou_one_to_many(box, rest) > CROWDED_IOU).any())
        hit = bool(len(found)) and bool((iou_one_to_many(box, found) >= 0.5).any())
        out.append(("border" if border else "crowded" if crowded else "clear", hit))
    return out


def detection_figures(
    detector: CellDetector,
    root: Path,
    splits: tuple[str, ...] = ("val",),
    source: str | None = None,
) -> None:
    """AP50 per class, white-cell AP50 per source, counts within one, misses by kind."""
    per_class: dict[int, list[ImageBoxes]] = {c: [] for c in range(len(LABELS))}
    per_source: dict[str, list[ImageBoxes]] = {}
    kinds: Counter[tuple[str, bool]] = Counter()
    within_one = 0
    fields = _fields(root, splits, source)
    for path, split in fields:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        truth, truth_cls = read_yolo_boxes(
            root / "labels" / split / f"{path.stem}.txt", *image.size
        )
        cells = detector.detect(image, min_score=EVAL_MIN_SCORE)
        boxes = np.array([c.box for c in cells]).reshape(-1, 4)
        scores = np.array([c.score for c in cells])
        classes = np.array([LABELS.index(c.label) for c in cells], dtype=int)
        for c in per_class:
            per_class[c].append(
                ImageBoxes(truth[truth_cls == c], boxes[classes == c], scores[classes == c])
            )
        per_source.setdefault(source_of(image.size), []).append(
            ImageBoxes(truth[truth_cls == 0], boxes[classes == 0], scores[classes == 0])
        )
        counted = scores >= detector.spec.min_score  # the cells the app keeps and counts
        found_wbc = int(((classes == 0) & counted).sum())
        within_one += abs(found_wbc - int((truth_cls == 0).sum())) <= 1
        wbc = truth[truth_cls == 0]
        others = np.concatenate([wbc, truth[truth_cls != 0]])
        kinds.update(_misses(wbc, others, boxes[(classes == 0) & counted], image.size))
    where = f"{'+'.join(splits)} split{'s' if len(splits) > 1 else ''}"
    where += f", {source} only" if source else ""
    for c, images in per_class.items():
        _say(
            f"AP50 {LABELS[c]:<4} {average_precision(images):.4f}   ({where}, {len(fields)} fields)"
        )
    for name, images in sorted(per_source.items()):
        _say(f"AP50 WBC  {average_precision(images):.4f}   ({name} fields only, {len(images)})")
    _say(
        f"white-cell count within +/-1 of the annotation: {within_one}/{len(fields)} fields "
        f"= {within_one / len(fields):.1%} (target >= 95 %)"
    )
    for kind in ("border", "crowded", "clear"):
        n = kinds[(kind, True)] + kinds[(kind, False)]
        _say(
            f"white cells {kind:<7} (of the annotated): {n:4d}, missed at the app's threshold "
            f"{kinds[(kind, False)]:3d} = {kinds[(kind, False)] / max(1, n):.1%}"
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
    parser.add_argument("--detector", type=Path, default=None, help="a candidate's sidecar")
    args = parser.parse_args()
    finder = DetectorFieldCellFinder(args.detector, threads=args.threads)
    classifier = ModelCellReviewer.load(threads=args.threads)
    _say(
        f"detector {finder.detector_name} {finder.detector_version}; "
        f"classifier {classifier.model_name}; {args.threads} thread(s)"
    )
    sidecar = args.detector or default_detector_path()
    detector = CellDetector(sidecar, threads=args.threads)
    detection_figures(detector, args.data)
    held = json.loads(sidecar.read_text()).get("recipe", {}).get("hold_out_source")
    if held:  # every field of the held-out source, train and validation: none was seen
        _say(f"held out from this detector's training and choice of epoch: {held}")
        detection_figures(detector, args.data, ("train", "val"), held)
    differential_500(finder, classifier, args.data)


if __name__ == "__main__":
    main()
