"""Find cells in field images with the shipped ONNX detector (no PyTorch needed).

A field that fits the detector's view is letterboxed whole. A larger image (a scan
region) is cut into tiles of ``tile_px`` original pixels, the size of the fields the
detector was trained on, so cells keep the size it knows; each tile keeps only the
cells whose centres lie in its core, then one suppression pass merges what is left.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from marrowscope.ai.detection.boxes import LABELS, DetectedCell, suppress
from marrowscope.ai.detection.decode import decode_peaks
from marrowscope.ai.detection.letterbox import letterbox
from marrowscope.ai.detection.tiling import tiles
from marrowscope.ai.input_files import read_sidecar
from marrowscope.ai.onnx_session import cpu_session
from marrowscope.domain.errors import InvalidInput

__all__ = ["DEFAULT_DETECTOR", "CellDetector", "DetectorSpec", "default_detector_path"]

DEFAULT_DETECTOR = "cellfinder320"


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    """What inference needs from the detector's sidecar."""

    name: str
    onnx_file: str
    input_px: int
    stride: int
    labels: tuple[str, ...]
    min_score: float
    nms_iou: float
    tile_px: int
    tile_overlap_px: int
    frame_factor: float | None = None  # white-cell crop side / box side, for the classifier
    # the classifier's frame side / the median red cell's box side: red cells are the
    # microscope's ruler (about 7.5 um everywhere), so the crop keeps each cell's size
    frame_red_cells: float | None = None

    @classmethod
    def load(cls, path: Path) -> DetectorSpec:
        try:
            data = json.loads(read_sidecar(path))
            return cls(
                name=str(data["name"]),
                onnx_file=str(data["onnx_file"]),
                input_px=int(data["input_px"]),
                stride=int(data["stride"]),
                labels=tuple(data["labels"]),
                min_score=float(data["min_score"]),
                nms_iou=float(data["nms_iou"]),
                tile_px=int(data["tile_px"]),
                tile_overlap_px=int(data["tile_overlap_px"]),
                frame_factor=float(data["frame_factor"]) if data.get("frame_factor") else None,
                frame_red_cells=(
                    float(data["frame_red_cells"]) if data.get("frame_red_cells") else None
                ),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InvalidInput(f"{path}: not a detector sidecar ({error})") from None


def default_detector_path() -> Path:
    """Sidecar of the detector shipped in the package."""
    return Path(
        str(resources.files("marrowscope.ai").joinpath("models", f"{DEFAULT_DETECTOR}.json"))
    )


class CellDetector:
    """One ONNX Runtime session; ``detect`` answers for one RGB image."""

    def __init__(self, sidecar: Path | None = None, threads: int | None = None) -> None:
        path = sidecar or default_detector_path()
        self.spec = DetectorSpec.load(path)
        if self.spec.labels != LABELS:
            raise InvalidInput(f"{path}: labels {self.spec.labels} are not {LABELS}")
        self._session = cpu_session(
            path.parent / self.spec.onnx_file, threads or min(2, os.cpu_count() or 1), spin=True
        )

    def _run(
        self, canvases: NDArray[np.uint8], min_score: float
    ) -> list[tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]]:
        x = canvases.transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255.0)
        heat, size, offset = self._session.run(None, {"image": x})
        out = []
        for i in range(x.shape[0]):
            boxes, scores, classes = decode_peaks(
                heat[i], size[i], offset[i], self.spec.stride, min_score
            )
            out.append((boxes, scores, classes))
        return out

    def _fits_whole(self, image: Image.Image) -> bool:
        return max(image.size) <= self.spec.tile_px * 1.1

    def detect(self, image: Image.Image, min_score: float | None = None) -> list[DetectedCell]:
        """Every cell found, surest first, boxes in the image's own pixels.

        ``min_score`` overrides the sidecar's threshold: evaluation lowers it to rank
        every candidate, as COCO-style AP is computed; the app uses the sidecar's.
        """
        threshold = self.spec.min_score if min_score is None else min_score
        width, height = image.size
        if self._fits_whole(image):
            canvas, frame = letterbox(image, self.spec.input_px)
            ((boxes, scores, classes),) = self._run(canvas[None], threshold)
            boxes = frame.to_original(boxes)
        else:
            boxes, scores, classes = self._detect_tiled(image, threshold)
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, width)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, height)
        keep = suppress(boxes, scores, classes, self.spec.nms_iou)
        return [
            DetectedCell(
                self.spec.labels[int(classes[k])],
                float(scores[k]),
                (float(boxes[k, 0]), float(boxes[k, 1]), float(boxes[k, 2]), float(boxes[k, 3])),
            )
            for k in keep
        ]

    def _detect_tiled(
        self, image: Image.Image, min_score: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
        found_boxes, found_scores, found_classes = [], [], []
        for tile in tiles(*image.size, self.spec.tile_px, self.spec.tile_overlap_px):
            crop = image.crop((tile.x0, tile.y0, tile.x1, tile.y1))
            canvas, frame = letterbox(
                crop, self.spec.input_px, self.spec.input_px / self.spec.tile_px
            )
            ((boxes, scores, classes),) = self._run(canvas[None], min_score)
            boxes = frame.to_original(boxes) + [tile.x0, tile.y0, tile.x0, tile.y0]
            centre_x = (boxes[:, 0] + boxes[:, 2]) / 2
            centre_y = (boxes[:, 1] + boxes[:, 3]) / 2
            owned = np.array(
                [tile.owns(cx, cy) for cx, cy in zip(centre_x, centre_y, strict=True)], dtype=bool
            )
            found_boxes.append(boxes[owned])
            found_scores.append(scores[owned])
            found_classes.append(classes[owned])
        return (
            np.concatenate(found_boxes),
            np.concatenate(found_scores),
            np.concatenate(found_classes),
        )
