"""Several finished runs exported as one ONNX graph that averages their answers.

Averaging independently trained networks is the most dependable way to buy accuracy
with inference time (see the model card's table). Shipping the average as one graph
keeps inference a single ONNX Runtime call on one decoded image, with one
temperature, one review threshold and one out-of-distribution threshold fitted on the
validation split exactly as for a single network.

One decoded image must serve every member, so members must see the cell at the same
scale (pixels per frame, ``input_size / crop_fraction``): a smaller member's input is
then the central square of the largest member's, cut inside the graph. On 128 px
source images that slice is exactly what the member was trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from marrowscope.ai.data import fine_samples
from marrowscope.ai.split import load_split
from marrowscope.ai.train.cache import run_pixels
from marrowscope.ai.train.config import TrainConfig, load_config
from marrowscope.ai.train.export import (
    OnnxHead,
    checkpoint_stats,
    fit_gaussian,
    load_checkpoint,
)
from marrowscope.ai.train.model import CellNet
from marrowscope.domain.errors import InvalidInput

__all__ = [
    "EnsembleHead",
    "Member",
    "ensemble_head",
    "largest_member",
    "load_members",
    "outer_config",
]

_SCALE_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Member:
    """One finished run of an ensemble: its config, EMA network and input statistics."""

    config: TrainConfig
    net: CellNet
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    codes: tuple[str, ...]
    best_epoch: int

    @property
    def scale(self) -> float:
        """Pixels the member would give the whole source frame."""
        return self.config.input_size / self.config.crop_fraction


def load_members(config: TrainConfig) -> list[Member]:
    """The finished runs named by ``config.members``, checked to be averageable.

    Members must share their classes, their split and the scale at which they see the
    cell; anything else is refused with the reason, before any export work is done.
    """
    if not config.members:
        raise InvalidInput(f"{config.name}: not an ensemble (no members)")
    members: list[Member] = []
    for path in config.members:
        member_config = load_config(path)
        checkpoint = member_config.run_dir / "best.pt"
        if not checkpoint.is_file():
            raise InvalidInput(f"{config.name}: member {path} has no {checkpoint}; train it first")
        net, state = load_checkpoint(checkpoint)
        mean, std = checkpoint_stats(state)
        members.append(
            Member(
                config=member_config,
                net=net,
                mean=mean,
                std=std,
                codes=tuple(str(c) for c in state["codes"]),
                best_epoch=int(state["epoch"]),
            )
        )
    first = members[0]
    first_split = (first.config.run_dir / "split.csv").read_bytes()
    for member in members[1:]:
        name = member.config.name
        if member.codes != first.codes:
            raise InvalidInput(f"{config.name}: {name} has codes {member.codes}, not {first.codes}")
        if (member.config.run_dir / "split.csv").read_bytes() != first_split:
            raise InvalidInput(f"{config.name}: {name} was trained on another split")
        if abs(member.scale - first.scale) > _SCALE_TOLERANCE * first.scale:
            raise InvalidInput(
                f"{config.name}: {name} sees the frame at {member.scale:g} px, "
                f"{first.config.name} at {first.scale:g} px; members must share the scale"
            )
    return members


def largest_member(members: Sequence[Member]) -> Member:
    """The member with the largest input: its decoding and statistics feed the graph."""
    return max(members, key=lambda m: m.config.input_size)


def outer_config(config: TrainConfig, members: Sequence[Member]) -> TrainConfig:
    """``config`` with the largest member's input: what the shipped graph is given."""
    largest = largest_member(members)
    return replace(
        config,
        input_size=largest.config.input_size,
        crop_fraction=largest.config.crop_fraction,
        layout=largest.config.layout,
        data_root=largest.config.data_root,
    )


class EnsembleHead(nn.Module):
    """Members' OnnxHeads on central slices of one input; probabilities averaged.

    The input is standardised with the largest member's statistics; each member's own
    standardisation is restored by a per-channel affine map inside the graph. Outputs
    follow :class:`OnnxHead`: ``logits`` (here the log of the averaged probabilities,
    so temperature scaling and softmax apply unchanged) and ``ood_distance`` (the
    members' distances averaged).
    """

    def __init__(
        self,
        heads: Sequence[OnnxHead],
        sizes: Sequence[int],
        means: Sequence[tuple[float, float, float]],
        stds: Sequence[tuple[float, float, float]],
    ) -> None:
        super().__init__()
        outer = int(np.argmax(sizes))
        self.heads = nn.ModuleList(heads)
        self.size = int(sizes[outer])
        self.slices = [((self.size - s) // 2, s) for s in sizes]
        outer_mean = torch.tensor(means[outer], dtype=torch.float32)
        outer_std = torch.tensor(stds[outer], dtype=torch.float32)
        scale, shift = [], []
        for mean, std in zip(means, stds, strict=True):
            m = torch.tensor(mean, dtype=torch.float32)
            s = torch.tensor(std, dtype=torch.float32)
            scale.append((outer_std / s).view(1, 3, 1, 1))
            shift.append(((outer_mean - m) / s).view(1, 3, 1, 1))
        self.scale: torch.Tensor
        self.shift: torch.Tensor
        self.register_buffer("scale", torch.stack(scale))
        self.register_buffer("shift", torch.stack(shift))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        probabilities, distances = [], []
        for i, head in enumerate(self.heads):
            offset, size = self.slices[i]
            part = x[:, :, offset : offset + size, offset : offset + size]
            logits, distance = head(part * self.scale[i] + self.shift[i])
            probabilities.append(torch.softmax(logits, dim=1))
            distances.append(distance)
        averaged = torch.stack(probabilities).mean(dim=0)
        return torch.log(averaged.clamp_min(1e-12)), torch.stack(distances).mean(dim=0)


def ensemble_head(members: Sequence[Member]) -> EnsembleHead:
    """The graph of ``members``, each with its out-of-distribution head fitted.

    A member trained to average orientations (``tta_views``) keeps doing so inside the
    ensemble, as it would when shipped alone.
    """
    heads: list[OnnxHead] = []
    for member in members:
        split = load_split(member.config.run_dir / "split.csv")
        train_samples = fine_samples(split.train)
        index = {c: i for i, c in enumerate(member.codes)}
        targets = np.array([index[s.code] for s in train_samples], dtype=np.int64)
        means, precision = fit_gaussian(
            member.net,
            run_pixels(train_samples, member.config),
            targets,
            torch.tensor(member.mean),
            torch.tensor(member.std),
            len(member.codes),
            member.config.tta_views,
        )
        heads.append(OnnxHead(member.net, means, precision, member.config.tta_views))
    return EnsembleHead(
        heads,
        [m.config.input_size for m in members],
        [m.mean for m in members],
        [m.std for m in members],
    )
