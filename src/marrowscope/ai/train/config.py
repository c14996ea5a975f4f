"""Training configuration read from a TOML file (``configs/*.toml``).

One file names the data, the model and the recipe, so a run is reproduced by
``marrowscope train --config FILE --seed N`` and nothing else.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marrowscope.ai.input_files import read_sidecar
from marrowscope.domain.errors import InvalidInput

__all__ = ["TrainConfig", "load_config"]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Every knob of a run; defaults are the shipped model's recipe."""

    name: str = "cellnet"
    layout: str = "pbc"
    data_root: Path = Path("../shared/data/pbc")
    # seed of the initial weights and of the batches, when it must differ from the run's
    # (--seed, which also draws the split): networks started differently on one split,
    # e.g. to be averaged in an ensemble
    init_seed: int | None = None
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    input_size: int = 80
    # "cellnet" (from scratch, model.py) or a pretrained body (backbones.py)
    backbone: str = "cellnet"
    weights: str = "package"  # where a pretrained body's weights come from ("none": random)
    frozen_blocks: int = 0  # leading stages of a pretrained body kept as they are
    backbone_lr: float | None = None  # a pretrained body's learning rate (None: ``lr``)
    normalisation: str = "data"  # "data": the training set's mean/std; "imagenet"
    crop_fraction: float = 1.0  # central share of each side kept before resizing
    widths: tuple[int, ...] = (24, 48, 96, 160)
    depths: tuple[int, ...] | None = None  # residual blocks per width; None: one each
    squeeze_excite: bool = False  # channel gates in every block (model.py)
    epochs: int = 30
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 0.05
    label_smoothing: float = 0.05
    warmup_epochs: float = 1.0
    class_weight_power: float = 0.5
    colour_jitter: float = 0.15
    free_rotation: bool = False  # rotate by any angle, not only quarter turns
    scale_jitter: float = 0.0  # zoom each image by 1 +- this (with free_rotation)
    # another laboratory's stain, focus, framing and JPEG quality (ai/train/lab_variation.py)
    stain_jitter: float = 0.0  # HED densities scaled by 1 +- this
    blur_sigma: float = 0.0  # widest Gaussian blur, pixels
    zoom_range: float = 0.0  # cell framed up to 1 + this tighter or looser
    jpeg_quality: int = 0  # lowest JPEG quality re-encoded at; 0: off
    variation_probability: float = 0.5  # share of images blurred / re-encoded
    threads: int = 2
    # bfloat16 autocast and channels-last tensors: about 2x faster training on CPUs with
    # AVX-512 BF16 (measured in the model card); weights and EMA stay float32
    bf16: bool = False
    channels_last: bool = False
    validate_from: int = 1  # first epoch whose EMA weights are validated (and may be kept)
    max_batches: int | None = None  # per epoch; a smoke run sets it small
    tta_views: int = 1  # orientations averaged inside the exported graph (1..4)
    # distillation (ai/train/distill.py): a finished run whose best.pt teaches this one
    teacher_run: Path | None = None
    # an ensemble teacher: finished runs and/or shipped sidecars (.json), each reading the
    # images its own way, averaged (distill.py); used instead of ``teacher_run``
    teachers: tuple[Path, ...] = ()
    teacher_views: int = 4  # orientations the teacher averages over
    distill_weight: float = 0.5  # share of the loss from the teacher (rest: hard labels)
    distill_temperature: float = 2.0
    # weight of a loss on the source's coarse groups (ai/train/grouping.py); above 0 the
    # group-only cells (PBC IG, NEUTROPHIL) join the training set for that term alone
    group_loss_weight: float = 0.0
    quantize: bool = False  # ship int8 convolutions (ai/train/quantize.py)
    calibration_images: int = 640  # training images that set the int8 activation ranges
    # an ensemble: finished runs (their config files) averaged in one graph; the model
    # and recipe settings above are then the members' own, not this file's
    members: tuple[Path, ...] = ()
    run_dir: Path = Path("runs/cellnet")
    cache_dir: Path = Path("runs/cache")
    extra: dict[str, Any] = field(default_factory=dict)


_SECTIONS = ("data", "model", "train", "ensemble", "output")


def load_config(path: Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read ``path``; relative data/output paths resolve against the current directory.

    Unknown keys are refused so a misspelt knob never silently keeps its default.
    """
    if not path.is_file():
        raise InvalidInput(f"config file {path} not found")
    try:
        raw = tomllib.loads(read_sidecar(path, "config file"))
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path}: {error}") from None
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _SECTIONS and isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    flat.update(overrides or {})
    known = set(TrainConfig.__dataclass_fields__) - {"extra"}
    unknown = set(flat) - known
    if unknown:
        raise InvalidInput(f"{path}: unknown settings {sorted(unknown)}; known: {sorted(known)}")
    for key in ("data_root", "run_dir", "cache_dir", "teacher_run"):
        if key in flat:
            flat[key] = Path(flat[key])
    for key in ("members", "teachers"):
        if key in flat:
            flat[key] = tuple(Path(m) for m in flat[key])
    for key in ("widths", "depths"):
        if key in flat:
            flat[key] = tuple(int(w) for w in flat[key])
    return TrainConfig(**flat)
