"""Files the AI adapters open themselves, refused by type and size before a byte is read.

A path a person names may be a FIFO (``open`` blocks forever), ``/dev/zero`` (a read
never ends) or a sparse file of many gigabytes (``MemoryError``). The CLI checks the files
it reads itself (``cli/_common.read_input_file``); images and sidecars are opened here,
below the CLI, so the same check lives beside them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from marrowscope.domain.errors import InvalidImage, InvalidInput

__all__ = [
    "IMAGE_MAX_BYTES",
    "SIDECAR_MAX_BYTES",
    "check_image_file",
    "read_image_file",
    "read_sidecar",
]

# A smear field of 8,000 x 8,000 px as an uncompressed TIFF is 192 MB; a sidecar is a
# few kilobytes of JSON.
IMAGE_MAX_BYTES = 256 * 1024 * 1024
SIDECAR_MAX_BYTES = 1024 * 1024


def check_image_file(path: Path) -> None:
    """``InvalidImage`` unless ``path`` is a regular file of at most ``IMAGE_MAX_BYTES``."""
    _check(path, IMAGE_MAX_BYTES, InvalidImage)


def read_image_file(path: Path) -> bytes:
    """The bytes of the image file ``path`` after ``check_image_file``."""
    return _read(path, IMAGE_MAX_BYTES, InvalidImage)


def read_sidecar(path: Path, what: str = "model sidecar") -> str:
    """The text of a sidecar (JSON) or training config (TOML) after the same check, at most
    1 MiB; ``what`` names the file in the refusal."""
    try:
        return _read(path, SIDECAR_MAX_BYTES, InvalidInput).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{what} {path} is not UTF-8 text") from None


def _check(path: Path, max_bytes: int, error: type[InvalidInput]) -> os.stat_result:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path.name}: no such file") from None
    except OSError as problem:
        raise error(f"{path.name}: cannot be read ({problem.strerror})") from None
    return _refuse(path, info, max_bytes, error)


def _refuse(
    path: Path, info: os.stat_result, max_bytes: int, error: type[InvalidInput]
) -> os.stat_result:
    if stat.S_ISDIR(info.st_mode):
        noun = "an image" if error is InvalidImage else "a file"
        raise error(f"{path.name}: is a folder, not {noun}")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path.name}: not a regular file (a pipe or device is not read)")
    if info.st_size > max_bytes:
        raise error(f"{path.name}: {info.st_size:,} bytes, over the limit of {max_bytes:,}")
    return info


def _read(path: Path, max_bytes: int, error: type[InvalidInput]) -> bytes:
    # O_NONBLOCK + fstat: a path swapped for a FIFO after a check cannot block the open.
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise error(f"{path.name}: no such file") from None
    except OSError as problem:
        raise error(f"{path.name}: cannot be read ({problem.strerror})") from None
    try:
        _refuse(path, os.fstat(descriptor), max_bytes, error)
    except InvalidInput:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise error(f"{path.name}: over the limit of {max_bytes:,} bytes")
    return data
