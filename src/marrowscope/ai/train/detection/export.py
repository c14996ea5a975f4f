"""Ship a trained CellFinder: ONNX graph, sidecar JSON, and the figures for the card.

The sidecar says how to feed the graph (input size, stride, labels), how to decode it
(score threshold, suppression overlap, tile size for large images), where the data came
from, the recipe, and AP50 per class on the validation split.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch

from marrowscope.ai.detection.boxes import LABELS
from marrowscope.ai.train.detection.loop import DetectorConfig
from marrowscope.ai.train.detection.model import CellFinder

__all__ = ["export_detector"]

TILE_PX = 640  # the largest TXL-PBC field: cells in a tile keep the size trained on
TILE_OVERLAP_PX = 192  # wider than the largest white cell at that scale


def export_detector(
    config: DetectorConfig,
    weights: Path,
    out_dir: Path,
    metrics: dict[str, object],
    frame_factor: float | None = None,
) -> Path:
    """Write ``<name>.onnx`` and ``<name>.json`` into ``out_dir``; returns the sidecar path."""
    model = CellFinder(len(LABELS), config.widths, config.neck, config.head_convs)
    model.load_state_dict(torch.load(weights, weights_only=True))
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / f"{config.name}.onnx"
    dummy = torch.zeros(1, 3, config.input_px, config.input_px)
    torch.onnx.export(
        model,
        (dummy,),
        str(onnx_path),
        input_names=["image"],
        output_names=["heat", "size", "offset"],
        dynamic_axes={
            "image": {0: "batch"},
            "heat": {0: "batch"},
            "size": {0: "batch"},
            "offset": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    sidecar = {
        "name": config.name,
        "onnx_file": onnx_path.name,
        "input_px": config.input_px,
        "stride": CellFinder.stride,
        "labels": list(LABELS),
        "min_score": config.min_score,
        "nms_iou": 0.5,
        "tile_px": TILE_PX,
        "tile_overlap_px": TILE_OVERLAP_PX,
        "frame_factor": frame_factor,
        "parameters": sum(p.numel() for p in model.parameters()),
        "data": "TXL-PBC (Gan L. et al., MIT licence; from BCCD, BCD, PBC and Raabin-WBC), "
        "train split for training, val split for the figures below",
        "recipe": {
            k: v
            for k, v in asdict(config).items()
            if k not in {"extra", "limit_images", "max_batches"}
        },
        "metrics": metrics,
    }
    path = out_dir / f"{config.name}.json"
    path.write_text(json.dumps(sidecar, indent=2) + "\n")
    return path
