"""Decoding of the images a lab may hand over: JPEG, PNG, greyscale, RGBA, junk."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from marrowscope.ai.preprocess import decode_image, normalise
from marrowscope.domain.errors import InvalidImage


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "RGB"])
def test_any_pillow_mode_becomes_rgb_of_the_model_size(mode: str) -> None:
    """Greyscale, palette and alpha images are converted, never refused."""
    buffer = io.BytesIO()
    Image.new(mode, (250, 190)).save(buffer, format="PNG")

    pixels = decode_image(buffer.getvalue(), 80)

    assert pixels.shape == (80, 80, 3) and pixels.dtype == np.uint8


def test_real_jpeg_decodes_the_same_from_path_and_bytes(shared_data: Path) -> None:
    """The web app passes bytes, the CLI passes paths: both must give identical pixels."""
    image = shared_data / "matek_samples" / "PMO_00009.jpg"

    assert np.array_equal(decode_image(image, 64), decode_image(image.read_bytes(), 64))


@pytest.mark.parametrize("payload", [b"", b"%PDF-1.4 not an image", b"\xff\xd8\xff\xe0trunc"])
def test_non_images_raise_invalid_image(payload: bytes) -> None:
    """Junk is an InvalidImage with a message, never a crash deeper down."""
    with pytest.raises(InvalidImage, match="not a readable image"):
        decode_image(payload, 64)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    """The error says which file was missing."""
    with pytest.raises(InvalidImage, match="nothere.jpg"):
        decode_image(tmp_path / "nothere.jpg", 64)


def test_normalise_standardises_channels_first() -> None:
    """(N, H, W, 3) uint8 -> (N, 3, H, W) float32 with the sidecar's mean and std."""
    pixels = np.full((2, 4, 4, 3), 255, dtype=np.uint8)

    x = normalise(pixels, (0.5, 0.5, 0.5), (0.25, 0.5, 1.0))

    assert x.shape == (2, 3, 4, 4) and x.dtype == np.float32
    assert np.allclose(x[0, :, 0, 0], [2.0, 1.0, 0.5])


def test_crop_keeps_the_central_square_at_the_model_size() -> None:
    """A crop of 0.5 shows the middle half of each side: a centred cell fills the input."""
    frame = Image.new("RGB", (200, 200), (255, 0, 0))
    frame.paste((0, 0, 255), (50, 50, 150, 150))  # the "cell": the central half
    buffer = io.BytesIO()
    frame.save(buffer, format="PNG")

    whole = decode_image(buffer.getvalue(), 40)
    cropped = decode_image(buffer.getvalue(), 40, crop=0.5)

    assert cropped.shape == (40, 40, 3)
    assert (cropped[..., 2] == 255).all() and (cropped[..., 0] == 0).all()
    assert (whole[0, 0] == (255, 0, 0)).all()


def test_crop_of_a_non_square_image_is_square_and_centred() -> None:
    """Other scanners' images need not be square: the crop follows the short side."""
    frame = Image.new("RGB", (300, 100), (0, 0, 0))
    frame.paste((0, 255, 0), (125, 25, 175, 75))
    buffer = io.BytesIO()
    frame.save(buffer, format="PNG")

    cropped = decode_image(buffer.getvalue(), 10, crop=0.5)

    assert (cropped[..., 1] == 255).all()


@pytest.mark.parametrize("crop", [0.0, -0.5, 1.5])
def test_a_crop_outside_zero_to_one_is_refused(crop: float) -> None:
    """A mangled sidecar must not silently classify the wrong pixels."""
    with pytest.raises(ValueError, match="crop"):
        decode_image(b"", 32, crop=crop)
