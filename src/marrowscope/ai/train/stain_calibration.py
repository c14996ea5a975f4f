"""Fit a model's stain profile from its own split and write it into its sidecar.

Every model exported by ``marrowscope train`` gets its profile at export
(``ai.train.ship``): one component for the original training set and, when the run
learnt from a laboratory's reviewed cells (``train --from-reviews``), one for those, so
that laboratory's slides are familiar to the model it taught. This command adds a
profile to a sidecar exported before profiles existed, from the same train/validation
images the model was fitted and calibrated on (its split CSV), prepared exactly as
inference prepares them (``CellClassifier.decode``).
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
from marrowscope.ai.stain_profile import (
    StainComponent,
    StainProfile,
    fit_stain_component,
    stain_descriptors,
)
from marrowscope.domain.errors import InvalidInput

__all__ = ["MIN_REVIEWED_CELLS", "profile_for_run", "profile_from_pixels", "profile_from_split"]

# a 9 x 9 covariance from fewer cells than this is noise; the lab keeps reviewing until then
MIN_REVIEWED_CELLS = 60


def profile_from_pixels(
    train: NDArray[np.uint8], val: NDArray[np.uint8], fitted_on: str
) -> StainProfile:
    """The one-component profile of decoded (N, S, S, 3) training and validation pixels."""
    return StainProfile((_component(train, val, fitted_on),))


def _component(train: NDArray[np.uint8], val: NDArray[np.uint8], what: str) -> StainComponent:
    return fit_stain_component(stain_descriptors(train), stain_descriptors(val), what)


def profile_for_run(
    train: Sequence[Sample],
    train_pixels: NDArray[np.uint8],
    val_pixels: NDArray[np.uint8],
    data_root: Path,
) -> StainProfile:
    """The profile of a training run: its own data, plus any reviewed cells it learnt.

    Reviewed cells (outside ``data_root``) never reach the validation split, so their
    component is fitted on every other one and bounded on the rest (a held-out bound,
    not the cells' distances to their own mean). Fewer than ``MIN_REVIEWED_CELLS``: no
    component, those colours stay unfamiliar.
    """
    own = np.array([s.path.is_relative_to(data_root) for s in train], dtype=bool)
    components = [
        _component(
            train_pixels[own],
            val_pixels,
            f"{int(own.sum())} training and {len(val_pixels)} validation images of the split",
        )
    ]
    reviewed = train_pixels[~own]
    if len(reviewed) >= MIN_REVIEWED_CELLS:
        components.append(
            _component(
                reviewed[0::2],
                reviewed[1::2],
                f"{len(reviewed)} reviewed cells of the laboratory (half fit, half bound)",
            )
        )
    return StainProfile(tuple(components))


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
    return profile_for_run(
        split.train, _pixels(classifier, split.train), _pixels(classifier, split.val), data_root
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sidecar", type=Path)
    parser.add_argument("--data", type=Path, required=True, help="the split's image root")
    args = parser.parse_args(argv)
    profile = profile_from_split(args.sidecar, args.data)
    replace(load_spec(args.sidecar), stain_profile=profile).save(args.sidecar)
    for component in profile.components:
        line = f"{args.sidecar}: stain bound {component.threshold:.3f} ({component.fitted_on})"
        print(line)  # noqa: T201 - the command reports what it wrote


if __name__ == "__main__":
    main()
