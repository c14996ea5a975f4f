"""The training loop: seeded split, cached pixels, AdamW + cosine, EMA, checkpoints.

A run writes into its ``run_dir``: ``split.csv`` (fixed once, reused on resume),
``last.pt`` after every epoch (resume point), ``best.pt`` (best validation macro F1
of the EMA weights) and ``history.jsonl``. Killing a run and starting it again with
the same config continues from ``last.pt``.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from marrowscope.ai.data import Sample, fine_samples, label_codes, load_dataset
from marrowscope.ai.metrics import report
from marrowscope.ai.split import Split, load_split, save_split, stratified_split
from marrowscope.ai.train.augment import augment, to_float, variation_of
from marrowscope.ai.train.backbones import build_pretrained, freeze_stages, keep_frozen_in_eval
from marrowscope.ai.train.cache import central, run_pixels, training_pixels
from marrowscope.ai.train.checkpoint_file import read_checkpoint
from marrowscope.ai.train.config import TrainConfig
from marrowscope.ai.train.distill import distillation_loss, soft_targets
from marrowscope.ai.train.grouping import NO_FINE_LABEL, group_targets, grouped_nll
from marrowscope.ai.train.model import CellNet
from marrowscope.ai.train.recipe import input_normalisation, parameter_groups

__all__ = ["TrainResult", "build_model", "predict_logits", "prepare_split", "train"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrainResult:
    """Where the run left its files and what it learnt about the data."""

    run_dir: Path
    best_checkpoint: Path
    codes: tuple[str, ...]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    best_val_macro_f1: float
    epochs_done: int
    train_cells: int  # group-only cells included when the grouped loss is on


def prepare_split(config: TrainConfig, seed: int) -> Split:
    """The run's split: read from ``run_dir/split.csv`` if present, else drawn and saved."""
    path = config.run_dir / "split.csv"
    if path.is_file():
        return load_split(path)
    samples = load_dataset(config.layout, config.data_root)
    split = stratified_split(samples, seed, config.val_fraction, config.test_fraction)
    save_split(split, path)
    return split


def build_model(config: TrainConfig, n_classes: int) -> nn.Module:
    """The architecture named by the config: a CellNet, or a pretrained body."""
    if config.backbone == "cellnet":
        return CellNet(n_classes, config.widths, config.depths, config.squeeze_excite)
    net = build_pretrained(config.backbone, n_classes, config.input_size, config.weights)
    freeze_stages(net, config.frozen_blocks)
    return net


def predict_logits(
    model: nn.Module,
    pixels: NDArray[np.uint8],
    mean: torch.Tensor,
    std: torch.Tensor,
    batch_size: int = 256,
) -> NDArray[np.float32]:
    """Logits of ``model`` (in eval mode) over cached pixels."""
    model.eval()
    out: list[NDArray[np.float32]] = []
    with torch.no_grad():
        for start in range(0, len(pixels), batch_size):
            x = to_float(
                torch.from_numpy(np.asarray(pixels[start : start + batch_size])), mean, std
            )
            out.append(model(x).numpy())
    if not out:
        return np.zeros((0, 0), dtype=np.float32)
    return np.concatenate(out)


def _seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def _targets(samples: list[Sample], codes: tuple[str, ...]) -> NDArray[np.int64]:
    """Class indices; a group-only cell gets ``NO_FINE_LABEL`` (ignored by the fine loss)."""
    index = {c: i for i, c in enumerate(codes)}
    return np.array(
        [NO_FINE_LABEL if s.ambiguous else index[s.code] for s in samples], dtype=np.int64
    )


def train(config: TrainConfig, seed: int, fresh: bool = False) -> TrainResult:
    """Train (or resume) the run described by ``config`` and return its best checkpoint."""
    torch.set_num_threads(config.threads)
    run_dir = config.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    last = run_dir / "last.pt"
    best = run_dir / "best.pt"
    if fresh:
        for stale in (last, best, run_dir / "split.csv", run_dir / "history.jsonl"):
            stale.unlink(missing_ok=True)
    generator = _seed_everything(seed if config.init_seed is None else config.init_seed)
    split = prepare_split(config, seed)
    val_samples = fine_samples(split.val)
    codes = label_codes(fine_samples(split.train))
    # group-only cells teach only through the grouped loss, so they join only with it
    grouped = config.group_loss_weight > 0
    train_samples = list(split.train) if grouped else fine_samples(split.train)
    grouping = group_targets(train_samples, codes) if grouped else None
    y_train = _targets(train_samples, codes)
    y_val = _targets(val_samples, codes)
    x_train, share = training_pixels(train_samples, config)
    x_own = central(x_train, config.input_size)  # the framing the network is shipped with
    x_val = run_pixels(val_samples, config)
    mean_np, std_np = input_normalisation(config, x_own)
    mean = torch.tensor(mean_np, dtype=torch.float32)
    std = torch.tensor(std_np, dtype=torch.float32)

    model = build_model(config, len(codes))
    layout = torch.channels_last if config.channels_last else torch.contiguous_format
    model = model.to(memory_format=layout)  # type: ignore[call-overload]
    ema = AveragedModel(
        model,
        multi_avg_fn=get_ema_multi_avg_fn(0.998),  # type: ignore[no-untyped-call]
        use_buffers=True,
    )
    counts = np.bincount(y_train[y_train != NO_FINE_LABEL], minlength=len(codes)).astype(np.float64)
    # inverse-frequency weights softened by a power: rare stages count more, not wildly more
    weights = (counts.max() / np.maximum(counts, 1)) ** config.class_weight_power
    criterion = nn.CrossEntropyLoss(
        weight=torch.tensor(weights / weights.mean(), dtype=torch.float32),
        label_smoothing=config.label_smoothing,
    )
    optimiser = torch.optim.AdamW(parameter_groups(model, config), lr=config.lr, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(train_samples) / config.batch_size)
    if config.max_batches is not None:
        steps_per_epoch = min(steps_per_epoch, config.max_batches)
    total_steps = max(1, steps_per_epoch * config.epochs)
    warmup = max(1, int(config.warmup_epochs * steps_per_epoch))

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lr_at)
    start_epoch, best_f1 = 0, -1.0
    if last.is_file():
        state: dict[str, Any] = read_checkpoint(last)
        if tuple(state["codes"]) != codes:
            raise RuntimeError(f"{last} was trained on other classes; use --fresh")
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        start_epoch, best_f1 = int(state["epoch"]), float(state["best_f1"])
        _log.warning("resuming %s at epoch %d", run_dir, start_epoch)

    meta = {
        "codes": list(codes),
        "mean": [float(v) for v in mean_np],
        "std": [float(v) for v in std_np],
        "config": {k: str(v) for k, v in asdict(config).items()},
        "seed": seed,
    }
    variation = variation_of(config)
    teacher = None
    if start_epoch < config.epochs:
        # only when there is training left: a finished run resumed to ship needs none
        teacher = soft_targets(config, train_samples, x_own, codes)
    for epoch in range(start_epoch, config.epochs):
        model.train()
        keep_frozen_in_eval(model, config.frozen_blocks)
        began = time.perf_counter()
        order = torch.randperm(len(train_samples), generator=generator).numpy()
        total_loss, seen = 0.0, 0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{config.epochs}", unit="b")
        for step in bar:
            idx = np.sort(order[step * config.batch_size : (step + 1) * config.batch_size])
            x = augment(
                torch.from_numpy(x_train[idx]),
                mean,
                std,
                config.colour_jitter,
                generator,
                config.free_rotation,
                config.scale_jitter,
                variation,
                config.input_size,
                share,
            )
            y = torch.from_numpy(y_train[idx])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
                logits = model(x.contiguous(memory_format=layout))
            # a batch of group-only cells alone has no fine term (cross-entropy of none: NaN)
            has_fine = bool((y != NO_FINE_LABEL).any())
            loss = criterion(logits.float(), y) if has_fine else logits.float().sum() * 0.0
            if grouping is not None:
                loss = loss + config.group_loss_weight * grouped_nll(
                    logits.float(),
                    torch.from_numpy(grouping.targets[idx]),
                    torch.from_numpy(grouping.members),
                )
            if teacher is not None:
                soft = distillation_loss(
                    logits.float(), teacher[torch.from_numpy(idx)], config.distill_temperature
                )
                loss = (1 - config.distill_weight) * loss + config.distill_weight * soft
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            scheduler.step()
            ema.update_parameters(model)
            total_loss += float(loss.detach()) * len(idx)
            seen += len(idx)
            bar.set_postfix(loss=f"{total_loss / seen:.3f}")
        # early epochs of a long schedule are never the best: on a shared CPU their
        # validation (a quarter of an epoch's time) is skipped when ``validate_from`` says so
        due = epoch + 1 >= config.validate_from or epoch + 1 == config.epochs
        f1 = accuracy = None
        if due:
            val = report(y_val, _softmax(predict_logits(ema.module, x_val, mean, std)), codes)
            f1, accuracy = val.macro_f1, val.accuracy
        record = {
            "epoch": epoch + 1,
            "train_loss": total_loss / max(1, seen),
            "val_macro_f1": f1,
            "val_accuracy": accuracy,
            "lr": scheduler.get_last_lr()[0],
            "seconds": time.perf_counter() - began,
        }
        with (run_dir / "history.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        tqdm.write(
            f"epoch {epoch + 1}: loss {record['train_loss']:.3f} val macro F1 {f1} "
            f"acc {accuracy} ({record['seconds']:.0f} s)"
        )
        if f1 is not None and f1 > best_f1:
            best_f1 = f1
            torch.save({**meta, "model": ema.module.state_dict(), "epoch": epoch + 1}, best)
        state = {
            **meta,
            "model": model.state_dict(),
            "ema": ema.state_dict(),
            "optimiser": optimiser.state_dict(),
            "scheduler": scheduler.state_dict(),
            "generator": generator.get_state(),
            "epoch": epoch + 1,
            "best_f1": best_f1,
        }
        partial = last.with_suffix(".tmp")
        torch.save(state, partial)
        partial.replace(last)
    return TrainResult(
        run_dir=run_dir,
        best_checkpoint=best,
        codes=codes,
        mean=(float(mean_np[0]), float(mean_np[1]), float(mean_np[2])),
        std=(float(std_np[0]), float(std_np[1]), float(std_np[2])),
        best_val_macro_f1=best_f1,
        epochs_done=config.epochs,
        train_cells=len(train_samples),
    )


def _softmax(logits: NDArray[np.float32]) -> NDArray[np.float64]:
    z = logits.astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: NDArray[np.float64] = e / e.sum(axis=1, keepdims=True)
    return out
