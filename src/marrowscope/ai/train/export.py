"""Export a trained checkpoint to ONNX, with an out-of-distribution head baked in.

The graph returns two outputs: ``logits`` and ``ood_distance``, the smallest
Mahalanobis distance of the image's features to any class mean (shared covariance,
fitted on the training images). An artefact, a smudge or a cell type the model never
saw lies far from every class, even when the softmax is confidently wrong; baking the
distance into the graph keeps inference a single ONNX Runtime call.

References
----------
Lee K, Lee K, Lee H, Shin J. A simple unified framework for detecting
out-of-distribution samples and adversarial attacks. NeurIPS 2018, arXiv:1807.03888.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from marrowscope.ai.train.augment import to_float
from marrowscope.ai.train.backbones import build_pretrained
from marrowscope.ai.train.checkpoint_file import read_checkpoint
from marrowscope.ai.train.model import CellNet

__all__ = [
    "OnnxHead",
    "checkpoint_stats",
    "export_onnx",
    "fit_gaussian",
    "load_checkpoint",
    "pooled_features",
    "views",
]


def views(x: torch.Tensor, n_views: int) -> torch.Tensor:
    """``x`` followed by up to 3 flipped/rotated copies, stacked on the batch axis.

    Test-time augmentation: a smear has no orientation, so averaging the features of
    a cell and its mirror images removes part of the model's orientation noise. Only
    flips and transposes are used, which every ONNX runtime executes cheaply.
    """
    candidates = (
        x,
        x.flip(3),
        x.flip(2),
        x.transpose(2, 3),
    )
    return torch.cat(candidates[:n_views], dim=0)


def pooled_features(net: CellNet, x: torch.Tensor, n_views: int) -> torch.Tensor:
    """Features averaged over ``n_views`` orientations of each image."""
    f = net.features(views(x, n_views))
    return f.reshape(n_views, x.shape[0], -1).mean(dim=0)


class OnnxHead(nn.Module):
    """CellNet plus the Mahalanobis distance of its features to the nearest class mean."""

    def __init__(
        self,
        net: CellNet,
        class_means: NDArray[np.float64],
        precision: NDArray[np.float64],
        n_views: int = 1,
    ) -> None:
        super().__init__()
        self.net = net
        self.n_views = n_views
        mu = torch.tensor(class_means, dtype=torch.float32)
        p = torch.tensor(precision, dtype=torch.float32)
        self.mu_p: torch.Tensor
        self.mu_p_mu: torch.Tensor
        self.precision: torch.Tensor
        self.register_buffer("mu_p", mu @ p)  # (C, D)
        self.register_buffer("mu_p_mu", (mu @ p * mu).sum(dim=1))  # (C,)
        self.register_buffer("precision", p)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = pooled_features(self.net, x, self.n_views)
        logits = self.net.head(f)
        fp = f @ self.precision
        quad = (fp * f).sum(dim=1, keepdim=True) - 2 * f @ self.mu_p.T + self.mu_p_mu
        distance = torch.sqrt(torch.clamp(quad.min(dim=1).values, min=0.0))
        return logits, distance


def load_checkpoint(path: Path) -> tuple[CellNet, dict[str, Any]]:
    """The EMA model of ``best.pt`` (eval mode) and the checkpoint's metadata.

    A pretrained backbone is typed as ``CellNet`` here: it offers the same ``features``
    and ``head``, which is all export and distillation use.
    """
    state: dict[str, Any] = read_checkpoint(path)
    config = state["config"]
    backbone = config.get("backbone", "cellnet")  # older checkpoints: always a CellNet
    net: Any
    if backbone != "cellnet":
        # the checkpoint holds every weight: the packaged ImageNet ones are not needed
        net = build_pretrained(backbone, len(state["codes"]), int(config["input_size"]), "none")
    else:
        depths = config.get("depths", "None")  # checkpoints older than the knob have none
        net = CellNet(
            len(state["codes"]),
            _int_tuple(config["widths"]),
            None if depths == "None" else _int_tuple(depths),
            config.get("squeeze_excite", "False") == "True",
        )
    net.load_state_dict(state["model"])
    net.eval()
    return net, state


def checkpoint_stats(
    state: dict[str, Any],
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Per-channel mean and standard deviation the checkpoint's network expects."""
    mean, std = state["mean"], state["std"]
    return (
        (float(mean[0]), float(mean[1]), float(mean[2])),
        (float(std[0]), float(std[1]), float(std[2])),
    )


def _int_tuple(text: str) -> tuple[int, ...]:
    """A tuple the checkpoint stored as its ``str()``, e.g. ``"(16, 32)"``."""
    return tuple(int(w) for w in text.strip("()").split(",") if w.strip())


def fit_gaussian(
    net: CellNet,
    pixels: NDArray[np.uint8],
    targets: NDArray[np.int64],
    mean: torch.Tensor,
    std: torch.Tensor,
    n_classes: int,
    n_views: int = 1,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Class means and the shrunk shared precision matrix of the training features."""
    feats: list[NDArray[np.float32]] = []
    with torch.no_grad():
        for start in range(0, len(pixels), 256):
            x = to_float(torch.from_numpy(np.asarray(pixels[start : start + 256])), mean, std)
            feats.append(pooled_features(net, x, n_views).numpy())
    f = np.concatenate(feats).astype(np.float64)
    means = np.stack([f[targets == c].mean(axis=0) for c in range(n_classes)])
    centred = f - means[targets]
    cov = centred.T @ centred / max(1, len(f) - 1)
    # shrinkage keeps the inverse stable for features that barely vary
    cov += np.eye(cov.shape[0]) * (1e-2 * np.trace(cov) / cov.shape[0])
    return means, np.linalg.inv(cov)


def export_onnx(head: nn.Module, size: int, path: Path) -> None:
    """Write ``head`` as ONNX (opset 17, dynamic batch; input ``image``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            head,
            (torch.zeros(1, 3, size, size),),
            str(path),
            input_names=["image"],
            output_names=["logits", "ood_distance"],
            dynamic_axes={
                "image": {0: "batch"},
                "logits": {0: "batch"},
                "ood_distance": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
