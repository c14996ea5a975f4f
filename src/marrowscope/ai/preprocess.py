"""Decoding and resizing of cell images, shared by training and inference.

Training caches images through the very same function that inference calls, so a
model never sees pixels prepared one way in training and another way in the lab.
Only Pillow and numpy are used: inference must run without PyTorch.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from marrowscope.ai.input_files import check_image_file
from marrowscope.domain.errors import InvalidImage

__all__ = ["decode_image", "normalise"]


def decode_image(source: Path | bytes, size: int, crop: float = 1.0) -> NDArray[np.uint8]:
    """RGB pixels of ``source`` resized to ``size`` x ``size`` (H, W, 3, uint8).

    ``crop`` < 1 keeps only the central square of that share of each side before
    resizing: single-cell images centre the cell in a wide frame of red cells, so a
    crop spends the network's pixels on the cell's nucleus and granules instead of on
    background (the same input size then shows finer detail at the same cost).
    JPEG ``draft`` lets libjpeg downscale by a power of two while decoding, which is
    several times faster than decoding at full size; the final resize is bilinear
    with antialiasing. Raises :class:`InvalidImage` naming the file when the bytes are
    not a readable image.
    """
    if not 0.0 < crop <= 1.0:
        raise ValueError(f"crop must be in (0, 1], got {crop}")
    name = source.name if isinstance(source, Path) else "<bytes>"
    try:
        if isinstance(source, Path):
            check_image_file(source)  # a FIFO or /dev/zero would block or never end
            image = Image.open(source)
        else:
            image = Image.open(io.BytesIO(source))
        with image:
            if image.format == "JPEG":
                wanted = math.ceil(size / crop)
                image.draft("RGB", (wanted, wanted))
            rgb = image.convert("RGB")
            if crop < 1.0:
                rgb = rgb.crop(_central_box(rgb.size, crop))
            if rgb.size != (size, size):
                rgb = rgb.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=None)
            return np.asarray(rgb, dtype=np.uint8)
    except FileNotFoundError:
        raise InvalidImage(f"{name}: no such file") from None
    except Image.DecompressionBombError:
        raise InvalidImage(f"{name}: too many pixels for a single-cell image") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise InvalidImage(f"{name}: not a readable image ({error})") from None


def _central_box(size: tuple[int, int], crop: float) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the central square covering ``crop`` of the short side."""
    width, height = size
    side = max(1, round(min(width, height) * crop))
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def normalise(
    pixels: NDArray[np.uint8], mean: tuple[float, ...], std: tuple[float, ...]
) -> NDArray[np.float32]:
    """(N, H, W, 3) uint8 -> (N, 3, H, W) float32 standardised with per-channel mean/std.

    ``mean`` and ``std`` are on the 0..1 scale, as stored in the model sidecar.
    """
    scale = np.float32(1.0 / 255.0)
    m = np.asarray(mean, dtype=np.float32).reshape(1, 3, 1, 1)
    s = np.asarray(std, dtype=np.float32).reshape(1, 3, 1, 1)
    chw = pixels.transpose(0, 3, 1, 2).astype(np.float32) * scale
    out: NDArray[np.float32] = (chw - m) / s
    return out
