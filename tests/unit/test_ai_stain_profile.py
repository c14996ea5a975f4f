"""The colour descriptor and its distance, on pixels whose answer is known."""

from __future__ import annotations

import numpy as np

from marrowscope.ai.stain_profile import (
    STAIN_QUANTILE,
    StainProfile,
    fit_stain_component,
    stain_descriptors,
)


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
    component = fit_stain_component(rng.normal(size=(2000, 9)), rng.normal(size=(2000, 9)), "t")
    profile = StainProfile((component,))
    inside = (profile.distances(rng.normal(size=(4000, 9))) <= profile.BOUND).mean()
    shifted = profile.distances(rng.normal(size=(500, 9)) + 3.0)

    assert abs(inside - STAIN_QUANTILE) < 0.01
    assert (shifted > profile.BOUND).mean() > 0.99


def test_a_second_laboratorys_component_makes_only_its_colours_familiar() -> None:
    """After a lab's reviewed cells trained the model, its slides pass; a third lab's do not."""
    rng = np.random.default_rng(4)
    first = fit_stain_component(rng.normal(size=(2000, 9)), rng.normal(size=(500, 9)), "a")
    second_lab = rng.normal(size=(400, 9)) * 0.5 + 4.0
    second = fit_stain_component(second_lab[::2], second_lab[1::2], "b")
    alone, both = StainProfile((first,)), StainProfile((first, second))
    seen = rng.normal(size=(300, 9)) * 0.5 + 4.0
    third = rng.normal(size=(300, 9)) * 0.5 - 4.0

    assert (alone.distances(seen) > 1).mean() > 0.99
    assert (both.distances(seen) <= 1).mean() > 0.95
    assert (both.distances(third) > 1).mean() > 0.99
