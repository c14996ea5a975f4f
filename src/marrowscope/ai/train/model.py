"""A compact CNN for 64-128 px single-cell crops, sized to run on a lab CPU.

Plain 3x3 convolutions with batch norm in a few stride-2 stages (a narrow ResNet).
Depthwise-separable blocks would save FLOPs, but on a 2-core CPU PyTorch trains them
slowly and ONNX Runtime gains little at these widths; plain convolutions gave the
better speed for the same accuracy in our measurements (see the model card).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["CellNet", "count_macs", "count_parameters"]


class _SqueezeExcite(nn.Module):
    """Channel gates from the block's own pooled output (Hu et al. 2018, arXiv:1709.01507).

    Granules, nuclear chromatin and cytoplasm colour live in different channels; a
    gate per channel, computed from the whole cell, lets the network weigh them per
    cell for a few hundred multiplications.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        hidden = max(4, channels // 4)
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, hidden, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x * self.gate(x)
        return out


class _Block(nn.Module):
    """Residual block: two 3x3 convs; a strided 1x1 projection when the shape changes."""

    def __init__(self, c_in: int, c_out: int, stride: int, squeeze_excite: bool = False) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.act = nn.ReLU(inplace=True)
        self.excite: nn.Module = _SqueezeExcite(c_out) if squeeze_excite else nn.Identity()
        self.skip: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.skip = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.bn1(self.conv1(x)))
        y = self.excite(self.bn2(self.conv2(y)))
        out: torch.Tensor = self.act(y + self.skip(x))
        return out


class CellNet(nn.Module):
    """Stem (3x3, stride 2) then one stage per width, each halving the size.

    A stage is ``depths[i]`` residual blocks (one each by default, the original network):
    extra blocks deepen the network without widening it, the cheaper way to grow it.
    """

    def __init__(
        self,
        n_classes: int,
        widths: Sequence[int] = (24, 48, 96, 160),
        depths: Sequence[int] | None = None,
        squeeze_excite: bool = False,
    ) -> None:
        super().__init__()
        depths = tuple(depths) if depths is not None else (1,) * len(widths)
        if len(depths) != len(widths) or min(depths) < 1:
            raise ValueError(f"depths {depths} must give one count >= 1 per width {widths}")
        stem = widths[0]
        self.stem = nn.Sequential(
            nn.Conv2d(3, stem, 3, 2, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU(inplace=True)
        )
        blocks: list[nn.Module] = []
        c_in = stem
        for i, (width, depth) in enumerate(zip(widths, depths, strict=True)):
            for j in range(depth):
                stride = 1 if i == 0 or j > 0 else 2
                blocks.append(_Block(c_in, width, stride, squeeze_excite))
                c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.head = nn.Linear(c_in, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled penultimate features: what the out-of-distribution check measures."""
        return torch.flatten(self.pool(self.blocks(self.stem(x))), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.dropout(self.features(x)))
        return out


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def count_macs(model: nn.Module, size: int) -> int:
    """Multiply-accumulates of one forward pass on a ``size`` px image (convs + linear)."""
    total = 0

    def conv_hook(module: nn.Module, _inp: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        nonlocal total
        assert isinstance(module, nn.Conv2d)
        k = module.kernel_size[0] * module.kernel_size[1]
        total += out.numel() * k * module.in_channels // module.groups

    def linear_hook(module: nn.Module, _inp: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        nonlocal total
        assert isinstance(module, nn.Linear)
        total += out.numel() * module.in_features

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    model.train(was_training)
    for h in handles:
        h.remove()
    return total
