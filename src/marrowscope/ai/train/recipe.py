"""The parts of the recipe a pretrained body changes: optimiser groups and input scaling.

A CellNet learns from scratch at one rate on the training set's own colour statistics; an
ImageNet body expects ImageNet's statistics and should move more gently than its new
head. Kept apart from the loop so the loop reads the same for both.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from torch import nn

from marrowscope.ai.train.backbones import IMAGENET_MEAN, IMAGENET_STD
from marrowscope.ai.train.config import TrainConfig
from marrowscope.domain.errors import InvalidInput

__all__ = ["input_normalisation", "parameter_groups"]


def parameter_groups(model: nn.Module, config: TrainConfig) -> list[dict[str, Any]]:
    """AdamW groups: no decay on biases and norms; a pretrained body at its own rate.

    A body that already knows edges and textures is moved gently (``backbone_lr``) while
    the new head learns at ``lr``.
    """
    body_lr = config.backbone_lr if config.backbone_lr is not None else config.lr
    groups: list[dict[str, Any]] = []
    for is_head in (False, True):
        lr = config.lr if is_head or config.backbone == "cellnet" else body_lr
        chosen = [
            (n, p)
            for n, p in model.named_parameters()
            if p.requires_grad and n.startswith("head.") == is_head
        ]
        decay = [p for n, p in chosen if p.ndim > 1]
        no_decay = [p for n, p in chosen if p.ndim <= 1]
        if decay:
            groups.append({"params": decay, "weight_decay": config.weight_decay, "lr": lr})
        if no_decay:
            groups.append({"params": no_decay, "weight_decay": 0.0, "lr": lr})
    return groups


def input_normalisation(
    config: TrainConfig, x_train: NDArray[np.uint8]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-channel mean and std the network is fed with (stored in the sidecar)."""
    if config.normalisation == "imagenet":
        return np.array(IMAGENET_MEAN), np.array(IMAGENET_STD)
    if config.normalisation != "data":
        raise InvalidInput(f"normalisation {config.normalisation!r}: use 'data' or 'imagenet'")
    flat = x_train.reshape(-1, 3)
    return flat.mean(axis=0) / 255.0, flat.std(axis=0) / 255.0
