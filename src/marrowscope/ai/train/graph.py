"""What goes into a shipped ONNX file: one run's network, or several runs averaged.

Shipping (``ship.py``) calibrates, measures and documents whatever graph it is given;
this module builds that graph and the facts about it the sidecar records
(architecture, size, cost, epochs), so the shipping steps never branch on what kind
of model they ship.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from marrowscope.ai.data import fine_samples
from marrowscope.ai.split import Split, load_split
from marrowscope.ai.train.cache import run_pixels
from marrowscope.ai.train.config import TrainConfig
from marrowscope.ai.train.ensemble import (
    ensemble_head,
    largest_member,
    load_members,
    outer_config,
)
from marrowscope.ai.train.export import (
    OnnxHead,
    checkpoint_stats,
    fit_gaussian,
    load_checkpoint,
)
from marrowscope.ai.train.model import count_macs, count_parameters

__all__ = ["ShippableGraph", "ensemble_graph", "single_graph"]


@dataclass(frozen=True, slots=True)
class ShippableGraph:
    """What the shipping steps need to know about the network(s) behind one ONNX file."""

    head: nn.Module
    config: TrainConfig  # input size and crop of the graph's input
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    codes: tuple[str, ...]
    split: Split
    architecture: str
    parameters: int
    macs: int
    epochs: int | list[int]  # a list: one per ensemble member
    best_epoch: int | list[int]


def _network(config: TrainConfig) -> str:
    """The network's shape in words, for the sidecar."""
    words = [f"CellNet widths={list(config.widths)}"]
    if config.depths:
        words.append(f"depths={list(config.depths)}")
    if config.squeeze_excite:
        words.append("squeeze-excite")
    return " ".join(words)


def single_graph(config: TrainConfig) -> ShippableGraph:
    """One run's best EMA checkpoint with its out-of-distribution head."""
    net, state = load_checkpoint(config.run_dir / "best.pt")
    codes = tuple(str(c) for c in state["codes"])
    mean, std = checkpoint_stats(state)
    split = load_split(config.run_dir / "split.csv")
    index = {c: i for i, c in enumerate(codes)}
    train_samples = fine_samples(split.train)
    x_train = run_pixels(train_samples, config)
    y_train = np.array([index[s.code] for s in train_samples], dtype=np.int64)
    means, precision = fit_gaussian(
        net, x_train, y_train, torch.tensor(mean), torch.tensor(std), len(codes), config.tta_views
    )
    return ShippableGraph(
        head=OnnxHead(net, means, precision, config.tta_views),
        config=config,
        mean=mean,
        std=std,
        codes=codes,
        split=split,
        architecture=f"{_network(config)} (narrow ResNet, from scratch)",
        parameters=count_parameters(net),
        macs=count_macs(net, config.input_size) * config.tta_views,
        epochs=config.epochs,
        best_epoch=int(state["epoch"]),
    )


def ensemble_graph(config: TrainConfig) -> ShippableGraph:
    """The members' graphs on slices of one input, probabilities averaged."""
    members = load_members(config)
    outer = outer_config(config, members)
    shared_split = members[0].config.run_dir / "split.csv"  # all members share it
    outer.run_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shared_split, outer.run_dir / "split.csv")
    largest = largest_member(members)
    return ShippableGraph(
        head=ensemble_head(members),
        config=outer,
        mean=largest.mean,
        std=largest.std,
        codes=largest.codes,
        split=load_split(shared_split),
        architecture="average of "
        + ", ".join(
            f"{m.config.name} ({m.config.input_size} px, {_network(m.config)})" for m in members
        )
        + " (narrow ResNets, from scratch)",
        parameters=sum(count_parameters(m.net) for m in members),
        macs=sum(count_macs(m.net, m.config.input_size) * m.config.tta_views for m in members),
        epochs=[m.config.epochs for m in members],
        best_epoch=[m.best_epoch for m in members],
    )
