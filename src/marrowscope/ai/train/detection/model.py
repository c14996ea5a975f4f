"""CellFinder: a compact centre-heatmap detector for smear fields, sized for a lab CPU.

A narrow five-stage backbone (stride 2 each) and a top-down path that adds each coarse
map, upsampled, to the finer one (a feature pyramid in its smallest form) down to
stride 4, where the heads answer per pixel: class heatmaps, log size and offset.
Stride 4 keeps platelets (8-20 px at the input size) separable; the coarse stages
give white cells (80-150 px) their context.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["CellFinder"]


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class CellFinder(nn.Module):
    """Input N x 3 x S x S in [0, 1] (S divisible by 32); outputs at stride 4."""

    stride = 4

    def __init__(
        self,
        n_classes: int = 3,
        widths: Sequence[int] = (16, 24, 48, 80, 128),
        neck: int = 48,
        head_convs: bool = True,
    ) -> None:
        super().__init__()
        c0, c1, c2, c3, c4 = widths
        self.stem = _conv(3, c0, 2)
        self.stage1 = nn.Sequential(_conv(c0, c1, 2), _conv(c1, c1))
        self.stage2 = nn.Sequential(_conv(c1, c2, 2), _conv(c2, c2))
        self.stage3 = nn.Sequential(_conv(c2, c3, 2), _conv(c3, c3))
        self.stage4 = nn.Sequential(_conv(c3, c4, 2), _conv(c4, c4))
        self.lateral = nn.ModuleList(nn.Conv2d(c, neck, 1) for c in (c1, c2, c3, c4))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.smooth = _conv(neck, neck)

        # A 3x3 layer per head at stride 4 is most of the network's cost; without it the
        # heads read the shared smoothed map directly (the light variant).
        def head(n_out: int) -> nn.Sequential:
            last = nn.Conv2d(neck, n_out, 1)
            return nn.Sequential(_conv(neck, neck), last) if head_convs else nn.Sequential(last)

        self.heat = head(n_classes)
        self.size = head(2)
        self.offset = nn.Conv2d(neck, 2, 1)
        last = self.heat[-1]
        assert isinstance(last, nn.Conv2d) and last.bias is not None
        nn.init.constant_(last.bias, -2.19)  # start at p = 0.1: the focal loss's usual prior
        self.mean: torch.Tensor
        self.std: torch.Tensor
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = (x - self.mean) / self.std
        f1 = self.stage1(self.stem(x))
        f2 = self.stage2(f1)
        f3 = self.stage3(f2)
        f4 = self.stage4(f3)
        top = self.lateral[3](f4)
        for lateral, feature in zip(
            (self.lateral[2], self.lateral[1], self.lateral[0]), (f3, f2, f1), strict=True
        ):
            top = self.up(top) + lateral(feature)
        neck = self.smooth(top)
        return torch.sigmoid(self.heat(neck)), self.size(neck), self.offset(neck)
