"""Is an image stained and scanned like the classifier's own laboratory's images?

The shipped classifier learnt one laboratory's blood (one stain, one scanner). Shown
another laboratory's cells it is wrong *with confidence*: a rapid-stained neutrophil on
a yellow background is called an eosinophil at 0.95, and neither the calibrated
confidence nor the distance in its own feature space (``ood_distance``) says so, because
both were fitted on that one laboratory. Colour is what differs first and most between
laboratories (stain batch, staining time, lamp, camera white balance), and it can be
measured without the model: this module describes an image's colours in nine numbers
and asks how far they lie from the training images'.

The descriptor, on the very pixels the classifier reads (its input size and crop):
optical density (-ln of intensity on 0..1, Beer-Lambert: density adds up with stain)
of the background (median of the brightest 10 % of pixels), and of the darkest 5 %
(nuclear stain) and the middle 40 % (cytoplasm and red cells) measured against that
background. The profile is the training images' mean and inverse covariance of the
descriptor (a Mahalanobis distance, as ``ood_distance`` uses for features), and the
bound the 99.5 % quantile of the validation images' distances (so about 1 in 200 of the
laboratory's own cells is flagged). Fitted by :func:`fit_stain_component`; measured in
``benchmarks/cross_lab.py`` and ``benchmarks/unfamiliar_slides.py`` and in
docs/model_card.md ("Another laboratory's stain").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "STAIN_DESCRIPTOR",
    "STAIN_QUANTILE",
    "StainComponent",
    "StainProfile",
    "fit_stain_component",
    "stain_descriptors",
]

STAIN_QUANTILE = 0.995  # the share of the training laboratory's validation cells inside
STAIN_DESCRIPTOR = (
    "optical density of the background (brightest 10 % of pixels), and of the darkest 5 % "
    "and the middle 40 % against it, on every second pixel of the classifier's input"
)
_BRIGHT_SHARE = 0.10
_DARK_SHARE = 0.05
_MIDDLE = (0.30, 0.70)
_FLOOR = 1.0 / 255.0  # a saturated black pixel has finite density
_RIDGE = 1e-5  # keeps the covariance invertible when a channel barely varies


def stain_descriptors(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """(N, H, W, 3) uint8 pixels -> (N, 9) colour descriptors (see the module).

    Every second pixel of every second row is read (a quarter: colour statistics of
    hundreds of pixels do not need thousands), and the brightness shares are found by
    partition rather than a full sort; the check then costs a fraction of the model.
    """
    flat = pixels[:, ::2, ::2].reshape(len(pixels), -1, 3).astype(np.float32) / 255.0
    n = flat.shape[1]
    dark_end = max(1, int(n * _DARK_SHARE))
    middle = (int(n * _MIDDLE[0]), int(n * _MIDDLE[1]))
    bright_start = int(n * (1 - _BRIGHT_SHARE))
    order = np.argpartition(flat.sum(axis=2), [dark_end, *middle, bright_start], axis=1)

    def share(start: int, end: int) -> NDArray[np.float32]:
        picked = np.take_along_axis(flat, order[:, start:end, None], axis=1)
        out: NDArray[np.float32] = np.median(picked, axis=1)
        return out

    levels = np.stack([share(bright_start, n), share(0, dark_end), share(*middle)], axis=1)
    density = -np.log(np.clip(levels.astype(np.float64), _FLOOR, 1.0))
    background = density[:, 0]
    out: NDArray[np.float64] = np.concatenate(
        [background, density[:, 1] - background, density[:, 2] - background], axis=1
    )
    return out


@dataclass(frozen=True, slots=True)
class StainComponent:
    """One laboratory's colours: mean, inverse covariance and its distance bound."""

    mean: tuple[float, ...]
    precision: tuple[tuple[float, ...], ...]
    threshold: float
    fitted_on: str = ""

    def distances(self, descriptors: NDArray[np.float64]) -> NDArray[np.float64]:
        """Mahalanobis distance of each descriptor row from this component's mean."""
        centred = descriptors - np.asarray(self.mean)
        precision = np.asarray(self.precision)
        squared = np.einsum("ij,jk,ik->i", centred, precision, centred)
        out: NDArray[np.float64] = np.sqrt(np.maximum(squared, 0.0))
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "mean": list(self.mean),
            "precision": [list(row) for row in self.precision],
            "threshold": self.threshold,
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> StainComponent:
        mean = tuple(float(v) for v in raw["mean"])
        precision = tuple(tuple(float(v) for v in row) for row in raw["precision"])
        if len(mean) != 9 or len(precision) != 9 or any(len(r) != 9 for r in precision):
            raise ValueError("stain_profile needs a mean of 9 and a 9 x 9 precision")
        threshold = float(raw["threshold"])
        if not threshold > 0:
            raise ValueError("stain_profile threshold must be positive")
        return cls(mean, precision, threshold, str(raw.get("fitted_on", "")))


@dataclass(frozen=True, slots=True)
class StainProfile:
    """The colours of every laboratory whose cells trained the model.

    The first component is the original training set's; a model retrained on a
    laboratory's own reviewed cells (``train --from-reviews``) gets a second, so that
    laboratory's slides become familiar once it has taught the model, and only then.
    A cell is familiar when it lies within the bound of any component: ``distances``
    gives the smallest distance as a share of its component's bound (1.0 is the bound).
    """

    components: tuple[StainComponent, ...]

    BOUND = 1.0

    def distances(self, descriptors: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per row, the nearest component's distance over its bound (> 1: unfamiliar)."""
        ratios = [c.distances(descriptors) / c.threshold for c in self.components]
        out: NDArray[np.float64] = np.min(np.stack(ratios), axis=0)
        return out

    def to_json(self) -> dict[str, Any]:
        """The sidecar's ``stain_profile`` object."""
        return {
            "descriptor": STAIN_DESCRIPTOR,
            "quantile": STAIN_QUANTILE,
            "components": [c.to_json() for c in self.components],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> StainProfile:
        """Read the sidecar's object; raises ``KeyError``/``ValueError`` when mangled."""
        components = tuple(StainComponent.from_json(c) for c in raw["components"])
        if not components:
            raise ValueError("stain_profile has no components")
        return cls(components)


def fit_stain_component(
    train: NDArray[np.float64], val: NDArray[np.float64], fitted_on: str
) -> StainComponent:
    """Mean and inverse covariance of ``train``; the bound a quantile of ``val``'s distances."""
    mean = train.mean(axis=0)
    covariance = np.cov(train.T) + np.eye(train.shape[1]) * _RIDGE
    precision = np.linalg.inv(covariance)
    draft = StainComponent(
        tuple(float(v) for v in mean),
        tuple(tuple(float(v) for v in row) for row in precision),
        threshold=1.0,
        fitted_on=fitted_on,
    )
    bound = float(np.quantile(draft.distances(val), STAIN_QUANTILE))
    return StainComponent(draft.mean, draft.precision, bound, fitted_on)
