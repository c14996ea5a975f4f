"""Fit a model's stain profile from its own split and write it into its sidecar.

Every model exported by ``marrowscope train`` gets its profile at export
(``ai.train.ship``); this command adds one to a sidecar exported before profiles
existed, from the same train/validation images the model was fitted and calibrated on
(its split CSV), prepared exactly as inference prepares them (``CellClassifier.decode``).
The test images are not read. Needs only numpy and Pillow.

    .venv/bin/python -m marrowscope.ai.train.stain_calibration SIDECAR.json \
        --data ../shared/data/pbc
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from marrowscope.ai.data import Sample
from marrowscope.ai.infer import CellClassifier
from marrowscope.ai.sidecar import load_spec
from marrowscope.ai.split import load_split
from marrowscope.ai.stain_profile import StainProfile, fit_stain_profile, stain_descriptors
from marrowscope.domain.errors import InvalidInput

__all__ = ["profile_from_pixels", "profile_from_split"]


def profile_from_pixels(
    train: NDArray[np.uint8], val: NDArray[np.uint8], fitted_on: str
) -> StainProfile:
    """The profile of decoded (N, S, S, 3) training and validation pixels."""
    return fit_stain_profile(stain_descriptors(train), stain_descriptors(val), fitted_on)


def _pixels(classifier: CellClassifier, samples: Sequence[Sample]) -> NDArray[np.uint8]:
    return np.stack([classifier.decode(s.path) for s in samples])


def profile_from_split(sidecar: Path, data_root: Path) -> StainProfile:
    """The profile of the model named by ``sidecar``, from its split's train and val images."""
    spec = load_spec(sidecar)
    split_name = spec.info.get("split", {}).get("file")
    if not split_name:
        raise InvalidInput(f"{sidecar.name} names no split file: fit the profile at export")
    split = load_split(sidecar.parent / str(split_name), root=data_root)
    classifier = CellClassifier(sidecar, threads=2)
    described = (
        f"{len(split.train)} training images (mean, covariance) and {len(split.val)} "
        f"validation images (bound) of {spec.name}'s split"
    )
    return profile_from_pixels(
        _pixels(classifier, split.train), _pixels(classifier, split.val), described
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sidecar", type=Path)
    parser.add_argument("--data", type=Path, required=True, help="the split's image root")
    args = parser.parse_args(argv)
    profile = profile_from_split(args.sidecar, args.data)
    replace(load_spec(args.sidecar), stain_profile=profile).save(args.sidecar)
    print(f"{args.sidecar}: stain bound {profile.threshold:.3f} ({profile.fitted_on})")  # noqa: T201


if __name__ == "__main__":
    main()
