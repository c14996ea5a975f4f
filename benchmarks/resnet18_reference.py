"""The speed reference of benchmarks/classify_throughput.py: a ResNet-18 at 128 px in ONNX.

A ResNet-18 (He et al. 2016, arXiv:1512.03385: 7x7 stem, max-pool, four stages of two
basic blocks, widths 64-512, 11.2 M parameters) is the usual baseline for single-cell
classifiers; measuring it through the very same ``CellClassifier`` path (JPEG decoding,
resize to 128 px, ONNX Runtime, calibration) in the same run turns our cells/s into a
ratio that does not depend on how busy the machine is. Weights are random: only the
arithmetic matters for speed. Needs PyTorch (``pip install '.[train]'``) to export it.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import torch
from torch import nn

__all__ = ["reference_sidecar"]


class _Basic(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.skip: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.skip = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.skip(x))


class _ResNet18(nn.Module):
    """ResNet-18 returning the two outputs our graphs have (logits, a distance)."""

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.Conv2d(3, 64, 7, 2, 3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),
        ]
        c_in = 64
        for i, width in enumerate((64, 128, 256, 512)):
            layers += [_Basic(c_in, width, 1 if i == 0 else 2), _Basic(width, width, 1)]
            c_in = width
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(512, n_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.head(self.features(x))
        return logits, torch.zeros_like(logits[:, :1]).squeeze(1)


def reference_sidecar(model_sidecar: Path, folder: Path, size: int = 128) -> Path:
    """Export the reference into ``folder`` with a sidecar modelled on ``model_sidecar``
    (same codes and calibration fields; the whole image resized to ``size`` px)."""
    spec = json.loads(model_sidecar.read_text(encoding="utf-8"))
    net = _ResNet18(len(spec["codes"])).eval()
    onnx_path = folder / "resnet18_ref.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net,
            (torch.zeros(1, 3, size, size),),
            str(onnx_path),
            input_names=["image"],
            output_names=["logits", "ood_distance"],
            dynamic_axes={k: {0: "batch"} for k in ("image", "logits", "ood_distance")},
            opset_version=17,
            dynamo=False,
        )
    spec.pop("second_opinion", None)  # the reference is one network
    spec.update(name="resnet18_ref", onnx_file=onnx_path.name, input_size=size, crop_fraction=1.0)
    sidecar = folder / "resnet18_ref.json"
    sidecar.write_text(json.dumps(spec), encoding="utf-8")
    return sidecar
