"""Train CellFinder on a YOLO folder: epochs of augmented views, AdamW and a one-cycle rate.

Each epoch ends with AP50 per class on the validation split (decoded exactly as
inference decodes, so the figure is the shipped model's); the best epoch by white-cell
AP50, then mean AP50, is kept. A checkpoint after every epoch lets a long run resume.
"""

from __future__ import annotations

import math
import random
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from marrowscope.ai.detection.average_precision import ImageBoxes, average_precision
from marrowscope.ai.detection.boxes import LABELS, suppress
from marrowscope.ai.detection.decode import decode_peaks
from marrowscope.ai.detection.sources import TXL_SOURCES, source_of
from marrowscope.ai.train.checkpoint_file import read_checkpoint
from marrowscope.ai.train.detection.data import Field, augment, load_fields
from marrowscope.ai.train.detection.model import CellFinder
from marrowscope.ai.train.detection.targets import detection_loss, make_targets
from marrowscope.domain.errors import InvalidInput

__all__ = ["DetectorConfig", "evaluate_fields", "load_detector_config", "train_detector"]


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """One training recipe; every field can be set in a TOML file under ``configs/``."""

    name: str = "cellfinder320"
    data_root: str = "../shared/data/txl_pbc"
    run_dir: str = "../runs/cellfinder320"
    input_px: int = 320
    widths: tuple[int, ...] = (16, 24, 48, 80, 128)
    neck: int = 48
    head_convs: bool = True  # a 3x3 layer before each head (False: the light variant)
    epochs: int = 40
    batch: int = 16
    lr: float = 3e-3
    weight_decay: float = 1e-4
    min_score: float = 0.3  # the cells the app keeps (AP is evaluated from 0.05)
    seed: int = 7
    max_batches: int | None = None
    limit_images: int | None = None
    # a TXL-PBC source (ai.detection.sources) kept out of training and of the choice of
    # epoch, so that its fields measure the detector on a laboratory it never saw
    hold_out_source: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def load_detector_config(path: Path, **overrides: object) -> DetectorConfig:
    """A recipe from TOML; unknown keys are refused so that a typo cannot be ignored."""
    data = tomllib.loads(path.read_text()) if path.exists() else {}
    data.update({k: v for k, v in overrides.items() if v is not None})
    known = set(DetectorConfig.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"unknown detector config keys: {', '.join(unknown)}")
    if "widths" in data:
        data["widths"] = tuple(data["widths"])
    return DetectorConfig(**data)


def _batch(
    fields: list[Field], config: DetectorConfig, rng: random.Random, train: bool
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    out_size = config.input_px // CellFinder.stride
    images, targets = [], []
    for f in fields:
        canvas, boxes, classes = augment(f, config.input_px, rng, train)
        images.append(canvas)
        targets.append(make_targets(boxes, classes, len(LABELS), out_size, CellFinder.stride))
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255.0
    y = {k: torch.from_numpy(np.stack([t[k] for t in targets])) for k in targets[0]}
    return x, y


def detect_batch(
    model: CellFinder, x: torch.Tensor, min_score: float
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Decoded, suppressed boxes per image, in input pixels."""
    with torch.no_grad():
        heat, size, offset = model(x)
    found = []
    for i in range(x.shape[0]):
        boxes, scores, classes = decode_peaks(
            heat[i].numpy(), size[i].numpy(), offset[i].numpy(), CellFinder.stride, min_score
        )
        keep = suppress(boxes, scores, classes, 0.5)
        found.append((boxes[keep], scores[keep], classes[keep]))
    return found


def _as_tuples(value: Any) -> Any:
    """``random.Random.setstate`` wants tuples all the way down."""
    if isinstance(value, list | tuple):
        return tuple(_as_tuples(v) for v in value)
    return value


def evaluate_fields(
    model: CellFinder, fields: list[Field], config: DetectorConfig
) -> dict[str, float]:
    """AP50 per class on ``fields`` at the config's input size (no augmentation)."""
    model.eval()
    rng = random.Random(0)
    per_class: dict[int, list[ImageBoxes]] = {c: [] for c in range(len(LABELS))}
    for start in range(0, len(fields), 32):
        chunk = fields[start : start + 32]
        views = [augment(f, config.input_px, rng, train=False) for f in chunk]
        x = torch.from_numpy(np.stack([v[0] for v in views])).permute(0, 3, 1, 2).float() / 255.0
        for (_, truth, truth_cls), (boxes, scores, classes) in zip(
            views, detect_batch(model, x, 0.05), strict=True
        ):
            for c in per_class:
                per_class[c].append(
                    ImageBoxes(truth[truth_cls == c], boxes[classes == c], scores[classes == c])
                )
    return {LABELS[c]: average_precision(images) for c, images in per_class.items()}


def _without_source(fields: list[Field], config: DetectorConfig) -> list[Field]:
    """``fields`` less those of the held-out source; an unknown source name is refused."""
    held = config.hold_out_source
    if not held:
        return fields
    if held not in set(TXL_SOURCES.values()):
        known = ", ".join(sorted(set(TXL_SOURCES.values())))
        raise InvalidInput(f"unknown hold_out_source {held!r}; known: {known}")
    return [f for f in fields if source_of(f.image.size) != held]


def train_detector(
    config: DetectorConfig, fresh: bool = False, log: Callable[[str], None] = print
) -> dict[str, object]:
    """Run (or resume) training; returns the best epoch's figures and the weights' path."""
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    root = Path(config.data_root)
    train_fields = _without_source(load_fields(root, "train", config.limit_images), config)
    val_fields = _without_source(load_fields(root, "val", config.limit_images), config)
    if config.hold_out_source:
        log(
            f"holding out {config.hold_out_source}: {len(train_fields)} training and "
            f"{len(val_fields)} validation fields of the other sources"
        )
    model = CellFinder(len(LABELS), config.widths, config.neck, config.head_convs)
    steps_per_epoch = math.ceil(len(train_fields) / config.batch)
    if config.max_batches is not None:
        steps_per_epoch = min(steps_per_epoch, config.max_batches)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, config.lr, total_steps=config.epochs * steps_per_epoch, pct_start=0.15
    )
    run_dir = Path(config.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = run_dir / "last.pt"
    start_epoch = 0
    best: dict[str, object] = {"score": -1.0}
    if checkpoint.exists() and not fresh:
        state = read_checkpoint(checkpoint)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        schedule.load_state_dict(state["schedule"])
        start_epoch, best = state["epoch"] + 1, state["best"]
        rng.setstate(_as_tuples(state["rng"]))
    for epoch in range(start_epoch, config.epochs):
        model.train()
        order = list(train_fields)
        rng.shuffle(order)
        started, total = time.perf_counter(), 0.0
        for step in range(steps_per_epoch):
            x, y = _batch(
                order[step * config.batch : (step + 1) * config.batch], config, rng, train=True
            )
            heat, size, offset = model(x)
            loss = detection_loss({"heat": heat, "size": size, "offset": offset}, y)
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            schedule.step()
            total += float(loss.detach())
        ap = evaluate_fields(model, val_fields, config)
        finite = [v for v in ap.values() if not math.isnan(v)]
        score = ap["WBC"] + 0.01 * (sum(finite) / max(1, len(finite)))
        log(
            f"epoch {epoch + 1}/{config.epochs} loss {total / steps_per_epoch:.3f} "
            + " ".join(f"AP50 {k} {v:.3f}" for k, v in ap.items())
            + f" ({time.perf_counter() - started:.0f} s)"
        )
        if score > float(str(best["score"])):
            best = {"score": score, "epoch": epoch + 1, "ap50": dict(ap)}
            torch.save(model.state_dict(), run_dir / "best.pt")
        torch.save(
            {
                "model": model.state_dict(),
                "optimiser": optimiser.state_dict(),
                "schedule": schedule.state_dict(),
                "epoch": epoch,
                "best": best,
                "rng": rng.getstate(),  # a tuple: loads with weights_only=True
            },
            checkpoint,
        )
    (run_dir / "config.json").write_text(__import__("json").dumps(asdict(config), indent=2))
    return {"best": best, "weights": str(run_dir / "best.pt")}
