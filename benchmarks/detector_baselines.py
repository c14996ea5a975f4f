"""The detection candidates the shipped CellFinder was chosen against, on the same split.

1. A classical white-cell finder, no learning: nuclei are the most blue-violet objects
   of a Romanowsky smear, so pixels are scored by (blue - green) and thresholded twice
   with Otsu's method (background from cells, then red cells from nuclei), cleaned
   (opening, small objects removed, closing to join the lobes of one nucleus), and each
   nucleus's box is widened to the cell (x1.2: the best of 1.05-2.0 on the first 120
   validation fields, a choice that favours this baseline, not the network).
2. CellFinder, the centre-heatmap network shipped in ``ai/models`` (ONNX).

Both are scored with the same AP50 code on TXL-PBC's validation split, the network
over its candidates down to score 0.05 (as ``slide_fields.py`` and COCO-style
evaluation do). The pretrained
EfficientNet-Lite0 backbone candidate is reported in the card, not here (see there why).

    .venv/bin/python benchmarks/detector_baselines.py   # needs scikit-image ('.[train]')
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import filters, measure, morphology

from marrowscope.ai.detection.average_precision import ImageBoxes, average_precision
from marrowscope.ai.detection.detector import CellDetector

_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "txl_pbc"


def _say(line: str) -> None:
    print(line)  # noqa: T201 - a benchmark prints its figures


def _truth(label_file: Path, width: int, height: int) -> np.ndarray:
    rows = [r.split() for r in label_file.read_text().splitlines() if r.strip()]
    a = np.array([[float(v) for v in r[:5]] for r in rows if r[0] == "0"]).reshape(-1, 5)
    cx, cy, w, h = a[:, 1] * width, a[:, 2] * height, a[:, 3] * width, a[:, 4] * height
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)


def classical_white_cells(image: Image.Image, widen: float) -> tuple[np.ndarray, np.ndarray]:
    """Boxes and scores of white cells by stain colour, Otsu, watershed (no learning)."""
    rgb = np.asarray(image, dtype=np.float32)
    score_map = rgb[..., 2] - rgb[..., 1]
    first = filters.threshold_otsu(score_map)
    mask = score_map > filters.threshold_otsu(score_map[score_map > first])
    side = min(image.size)
    mask = morphology.binary_opening(mask, morphology.disk(max(1, side // 200)))
    mask = morphology.remove_small_objects(mask, max_size=max(20, int((side / 40) ** 2)))
    mask = morphology.binary_closing(mask, morphology.disk(max(1, side // 60)))
    labels = measure.label(mask)
    boxes, scores = [], []
    for region in measure.regionprops(labels, intensity_image=score_map):
        y1, x1, y2, x2 = region.bbox
        cx, cy, half = (x1 + x2) / 2, (y1 + y2) / 2, max(x2 - x1, y2 - y1) * widen / 2
        boxes.append([cx - half, cy - half, cx + half, cy + half])
        scores.append(float(region.area * region.intensity_mean))
    top = max(scores) if scores else 1.0
    return np.array(boxes).reshape(-1, 4), np.array(scores) / top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=_DATA)
    args = parser.parse_args()
    fields = sorted((args.data / "images" / "val").glob("*.jpg"))
    detector = CellDetector(threads=2)
    classical, learnt = [], []
    seconds = {"classical": 0.0, "cellfinder": 0.0}
    for path in fields:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        truth = _truth(args.data / "labels" / "val" / f"{path.stem}.txt", *image.size)
        began = time.perf_counter()
        boxes, scores = classical_white_cells(image, widen=1.2)
        seconds["classical"] += time.perf_counter() - began
        classical.append(ImageBoxes(truth, boxes, scores))
        began = time.perf_counter()
        cells = [c for c in detector.detect(image, min_score=0.05) if c.label == "WBC"]
        seconds["cellfinder"] += time.perf_counter() - began
        learnt.append(
            ImageBoxes(
                truth,
                np.array([c.box for c in cells]).reshape(-1, 4),
                np.array([c.score for c in cells]),
            )
        )
    n = len(fields)
    _say(f"TXL-PBC validation split, {n} fields, white cells (AP50, ms per field):")
    for name, images, key in (
        ("classical (two-level Otsu)", classical, "classical"),
        ("CellFinder (shipped)", learnt, "cellfinder"),
    ):
        ms = 1e3 * seconds[key] / n
        _say(f"  {name:<28} {average_precision(images):.4f}  {ms:.0f} ms")


if __name__ == "__main__":
    main()
