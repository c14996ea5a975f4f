"""The colour descriptor and its distance, on pixels whose answer is known."""

from __future__ import annotations

import numpy as np

from marrowscope.ai.stain_profile import STAIN_QUANTILE, fit_stain_profile, stain_descriptors


def _cell(background: tuple[int, int, int], nucleus: tuple[int, int, int]) -> np.ndarray:
    """A 40 px image: background, a disc of 'cytoplasm' and a darker 'nucleus'."""
    pixels = np.empty((40, 40, 3), dtype=np.uint8)
    pixels[:] = background
    y, x = np.mgrid[:40, :40]
    r = np.hypot(y - 20, x - 20)
    pixels[r < 14] = (200, 170, 200)
    pixels[r < 7] = nucleus
    return pixels


def test_the_background_is_read_as_optical_density() -> None:
    white = stain_descriptors(np.stack([_cell((255, 255, 255), (90, 40, 120))]))[0]
    yellow = stain_descriptors(np.stack([_cell((250, 240, 150), (90, 40, 120))]))[0]

    assert np.allclose(white[:3], 0.0)
    assert yellow[2] > 0.4 > yellow[0]  # blue is absorbed by a yellow background
    # nuclear density is measured against the background, so it falls where blue is lost
    assert yellow[5] < white[5]


def test_the_bound_keeps_the_quantile_of_the_validation_cells() -> None:
    rng = np.random.default_rng(3)
    profile = fit_stain_profile(rng.normal(size=(2000, 9)), rng.normal(size=(2000, 9)), "t")
    inside = (profile.distances(rng.normal(size=(4000, 9))) <= profile.threshold).mean()
    shifted = profile.distances(rng.normal(size=(500, 9)) + 3.0)

    assert abs(inside - STAIN_QUANTILE) < 0.01
    assert (shifted > profile.threshold).mean() > 0.99
