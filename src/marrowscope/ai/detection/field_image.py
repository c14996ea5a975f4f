"""Reading a field image safely: every way a file can be wrong gets a one-line reason.

A smear photograph is a few megapixels; a whole-slide export can be far larger. The
ceiling (``MAX_FIELD_PIXELS``) refuses files that would exhaust memory before
decoding them (Pillow reads the size from the header), and tiny images that cannot
hold a cell are refused too, so that a batch reports them instead of counting zero.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from marrowscope.ai.input_files import check_image_file
from marrowscope.domain.errors import InvalidImage

__all__ = ["MAX_FIELD_PIXELS", "MIN_FIELD_SIDE_PX", "open_field"]

MAX_FIELD_PIXELS = 64_000_000  # 8,000 x 8,000: a large scan region; tile bigger scans first
MIN_FIELD_SIDE_PX = 32  # smaller than one white cell at the usual magnification


def open_field(source: Path | bytes, name: str | None = None) -> Image.Image:
    """The image as RGB, or :class:`InvalidImage` saying why it cannot be used."""
    label = name or (source.name if isinstance(source, Path) else "<upload>")
    try:
        if isinstance(source, Path):
            check_image_file(source)  # a FIFO or /dev/zero would block or never end
        opened = Image.open(source if isinstance(source, Path) else io.BytesIO(source))
        with opened:
            width, height = opened.size
            if width * height > MAX_FIELD_PIXELS:
                raise InvalidImage(
                    f"{label}: {width} x {height} px is over the {MAX_FIELD_PIXELS:,}-pixel "
                    "limit for one field; export the scan as smaller regions"
                )
            if min(width, height) < MIN_FIELD_SIDE_PX:
                raise InvalidImage(f"{label}: {width} x {height} px is too small to hold a cell")
            rgb = opened.convert("RGB")
            rgb.load()
            return rgb
    except InvalidImage:
        raise
    except FileNotFoundError:
        raise InvalidImage(f"{label}: no such file") from None
    except IsADirectoryError:
        raise InvalidImage(f"{label}: is a folder, not an image") from None
    except Image.DecompressionBombError:
        raise InvalidImage(
            f"{label}: over the {MAX_FIELD_PIXELS:,}-pixel limit for one field; "
            "export the scan as smaller regions"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        reason = (
            "truncated or damaged image" if "truncated" in str(error) else "not a readable image"
        )
        raise InvalidImage(f"{label}: {reason}") from None
