"""Decode a dataset once into a uint8 array on disk, so epochs cost no JPEG decoding.

On a 2-core CPU, decoding 10,000 JPEGs per epoch would take as long as the training
step itself; a cache of (N, S, S, 3) bytes (about 260 MB at 80 px for 13,674 cells)
is memory-mapped instead. The key hashes the file list and the size, so a changed
split or input size builds a new cache.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from marrowscope.ai.data import Sample
from marrowscope.ai.preprocess import decode_image
from marrowscope.ai.train.config import TrainConfig

__all__ = ["cached_pixels", "central", "run_pixels", "training_pixels"]


def cached_pixels(
    samples: Sequence[Sample], size: int, cache_dir: Path, crop: float = 1.0
) -> NDArray[np.uint8]:
    """(N, size, size, 3) pixels of ``samples`` in order, decoded once and reused."""
    digest = hashlib.sha256(f"{size}\n".encode() if crop == 1.0 else f"{size}\n{crop}\n".encode())
    for s in samples:
        digest.update(str(s.path.resolve()).encode() + b"\n")
    target = cache_dir / f"pixels-{size}-{digest.hexdigest()[:16]}.npy"
    if target.is_file():
        loaded: NDArray[np.uint8] = np.load(target, mmap_mode="r")
        if loaded.shape == (len(samples), size, size, 3):
            return np.array(loaded)  # into memory, writable
    cache_dir.mkdir(parents=True, exist_ok=True)
    pixels = np.empty((len(samples), size, size, 3), dtype=np.uint8)
    for i, sample in enumerate(tqdm(samples, desc=f"decode {size}px", unit="img")):
        pixels[i] = decode_image(sample.path, size, crop)
    # a name of this process's own: two runs decoding the same set side by side must
    # not move each other's half-written file
    partial = target.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(partial, pixels)
    partial.replace(target)  # atomic: a killed run never leaves half a cache
    return pixels


def run_pixels(samples: Sequence[Sample], config: TrainConfig) -> NDArray[np.uint8]:
    """Pixels of ``samples`` prepared as the run of ``config`` (and its sidecar) says."""
    return cached_pixels(samples, config.input_size, config.cache_dir, config.crop_fraction)


def training_pixels(
    samples: Sequence[Sample], config: TrainConfig
) -> tuple[NDArray[np.uint8], float]:
    """Pixels to train on, and the share of each side that is the network's own framing.

    With a zoom range the cache keeps a wider frame around the network's crop, so a
    looser framing drawn in training shows the cell's real neighbourhood.
    """
    if config.zoom_range <= 0:
        return run_pixels(samples, config), 1.0
    context = min(1.0, config.crop_fraction * (1 + config.zoom_range))
    size = round(config.input_size * context / config.crop_fraction)
    return cached_pixels(samples, size, config.cache_dir, context), config.crop_fraction / context


def central(pixels: NDArray[np.uint8], size: int) -> NDArray[np.uint8]:
    """The central ``size`` x ``size`` pixels of each (N, S, S, 3) image."""
    margin = (pixels.shape[1] - size) // 2
    return pixels[:, margin : margin + size, margin : margin + size]
