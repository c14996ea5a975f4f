"""AP50 as we compute it, checked against pycocotools (the COCO reference implementation)."""

from __future__ import annotations

import numpy as np
import pytest

from marrowscope.ai.detection.average_precision import ImageBoxes, average_precision


def test_perfect_detections_score_one_and_misses_lower_it() -> None:
    truth = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], float)
    perfect = ImageBoxes(truth, truth.copy(), np.array([0.9, 0.8]))
    assert average_precision([perfect]) == pytest.approx(1.0)
    half = ImageBoxes(truth, truth[:1].copy(), np.array([0.9]))
    assert average_precision([half]) == pytest.approx(0.5)
    assert np.isnan(average_precision([ImageBoxes(np.zeros((0, 4)), truth, np.ones(2))]))


def test_a_false_positive_ranked_first_costs_precision() -> None:
    truth = np.array([[0, 0, 10, 10]], float)
    found = np.array([[50, 50, 60, 60], [0, 0, 10, 10]], float)
    assert average_precision([ImageBoxes(truth, found, np.array([0.9, 0.8]))]) == pytest.approx(0.5)


def _random_case(rng: np.random.Generator) -> list[ImageBoxes]:
    images = []
    for _ in range(30):
        n = int(rng.integers(0, 6))
        xy = rng.uniform(0, 400, (n, 2))
        wh = rng.uniform(20, 80, (n, 2))
        truth = np.concatenate([xy, xy + wh], axis=1)
        jitter = rng.normal(0, 8, truth.shape)
        found = truth + jitter
        extra = rng.uniform(0, 400, (int(rng.integers(0, 3)), 2))
        found = np.concatenate([found, np.concatenate([extra, extra + 40], axis=1)])
        keep = rng.uniform(0, 1, len(found)) > 0.15
        images.append(ImageBoxes(truth, found[keep], rng.uniform(0, 1, int(keep.sum()))))
    return images


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ap50_agrees_with_pycocotools(seed: int) -> None:
    coco_mod = pytest.importorskip("pycocotools.coco")
    cocoeval = pytest.importorskip("pycocotools.cocoeval")
    images = _random_case(np.random.default_rng(seed))
    gt = {"images": [], "annotations": [], "categories": [{"id": 1, "name": "cell"}]}
    dets = []
    for i, im in enumerate(images):
        gt["images"].append({"id": i + 1, "width": 500, "height": 500})
        for x1, y1, x2, y2 in im.truth:
            w, h = x2 - x1, y2 - y1
            gt["annotations"].append(
                {
                    "id": len(gt["annotations"]) + 1,
                    "image_id": i + 1,
                    "category_id": 1,
                    "bbox": [x1, y1, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
        for (x1, y1, x2, y2), s in zip(im.found, im.scores, strict=True):
            dets.append(
                {
                    "image_id": i + 1,
                    "category_id": 1,
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "score": float(s),
                }
            )
    coco = coco_mod.COCO()
    coco.dataset = gt
    coco.createIndex()
    evaluation = cocoeval.COCOeval(coco, coco.loadRes(dets), "bbox")
    evaluation.params.iouThrs = np.array([0.5])
    evaluation.params.maxDets = [100, 100, 100]
    evaluation.evaluate()
    evaluation.accumulate()
    precision = evaluation.eval["precision"][0, :, 0, 0, -1]  # 101 recall points, all areas
    coco_ap = float(np.mean(precision[precision > -1]))
    # COCO samples the curve at 101 recall points, VOC integrates it: a small difference.
    assert average_precision(images) == pytest.approx(coco_ap, abs=0.02)
