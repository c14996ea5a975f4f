"""Classify single-cell images with the shipped ONNX model (no PyTorch needed).

Every prediction says how sure it is and whether a person must look: ``review`` is
true when the calibrated confidence is below the threshold fitted on validation
images, when the image lies far from every class the model knows (an artefact,
a smudge, or a cell type it was never shown), or when its colours lie outside the
training laboratory's (another stain or scanner: ``ai.stain_profile``), where the
confidence itself cannot be trusted. The model was trained on peripheral
blood of healthy people: it has no code for blasts, plasma cells and other marrow
classes, so it can only ever answer with its own codes; ``cannot_recognise`` lists
the rest so that a count never pretends to cover them.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from marrowscope.ai.calibrate import softmax
from marrowscope.ai.onnx_session import cpu_session
from marrowscope.ai.preprocess import decode_image, normalise
from marrowscope.ai.second_opinion import SecondOpinion
from marrowscope.ai.sidecar import ModelSpec, load_spec
from marrowscope.ai.stain_profile import stain_descriptors
from marrowscope.domain.errors import InvalidImage, InvalidInput

__all__ = ["DEFAULT_MODEL", "CellClassifier", "Prediction", "default_model_path"]

DEFAULT_MODEL = "cellnet80d"

_BATCH = 64
_LOOKAHEAD = 2  # decoded batches kept ready per decoder thread


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the model says of one image.

    ``code`` is the most likely taxonomy code (``None`` only when the image could not
    be read; ``error`` then says why). ``top3`` pairs codes with calibrated
    probabilities. ``reason`` explains a ``review`` flag in plain words. ``unfamiliar``:
    the image is unlike the training images, in the model's features (``ood_distance``)
    or in its colours (``stain_distance``, a share of the colour bound: above 1.0 the
    colours are another laboratory's); such cells count towards a slide's abstention.
    """

    source: str
    code: str | None
    confidence: float
    top3: tuple[tuple[str, float], ...]
    review: bool
    reason: str
    ood_distance: float = 0.0
    error: str | None = None
    stain_distance: float = 0.0
    unfamiliar: bool = False
    second_opinion: str | None = None  # the second model's code, for unflagged cells


def default_model_path(model_dir: Path | None = None) -> Path:
    """Sidecar of the default model: in ``model_dir`` if given, else shipped in the package.

    ``model_dir`` is ``Settings.model_dir`` (``MARROWSCOPE_MODEL_DIR``): a lab that
    trained its own model (e.g. on the full Matek set) points there.
    """
    if model_dir is not None:
        return model_dir / f"{DEFAULT_MODEL}.json"
    return Path(str(resources.files("marrowscope.ai") / "models" / f"{DEFAULT_MODEL}.json"))


class CellClassifier:
    """An ONNX Runtime session plus the sidecar that says how to feed and read it."""

    def __init__(self, sidecar: Path, threads: int | None = None) -> None:
        self.spec: ModelSpec = load_spec(sidecar)
        model_file = sidecar.parent / self.spec.onnx_file
        if not model_file.is_file():
            raise InvalidInput(f"model file {model_file} named by {sidecar.name} not found")
        self.threads = threads or min(4, os.cpu_count() or 1)
        # half the cores run the model, the rest decode JPEGs for the next batch
        self._decode_workers = max(1, self.threads - self.threads // 2)
        self._session = cpu_session(model_file, self.threads // 2)
        self._second = SecondOpinion.named_by(self.spec, sidecar, max(1, self.threads // 2))

    @classmethod
    def load_default(
        cls, threads: int | None = None, model_dir: Path | None = None
    ) -> CellClassifier:
        """The default model (see :func:`default_model_path`)."""
        return cls(default_model_path(model_dir), threads)

    @property
    def codes(self) -> tuple[str, ...]:
        """Codes the model can answer with, in output order."""
        return self.spec.codes

    @property
    def cannot_recognise(self) -> tuple[str, ...]:
        """Differential classes the model has never seen and will never output."""
        return self.spec.cannot_recognise

    def decode(self, source: Path | bytes) -> NDArray[np.uint8]:
        """Pixels of one image prepared exactly as this model was trained (size, crop).

        The one place outside training that turns the sidecar's preprocessing into
        pixels, so evaluation and benchmarks cannot drift from what the lab runs.
        """
        return decode_image(source, self.spec.input_size, self.spec.crop_fraction)

    def run(self, pixels: NDArray[np.uint8]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Raw ``(logits, ood_distance)`` for decoded (N, S, S, 3) pixels."""
        x = normalise(pixels, self.spec.mean, self.spec.std)
        logits, distance = self._session.run(None, {"image": x})
        return np.asarray(logits, np.float32), np.asarray(distance, np.float32)

    def classify_pixels(
        self, pixels: NDArray[np.uint8], sources: Sequence[str]
    ) -> list[Prediction]:
        """Predictions for already decoded images (used by batches and benchmarks)."""
        out: list[Prediction] = []
        for start in range(0, len(pixels), _BATCH):
            batch = pixels[start : start + _BATCH]
            logits, distance = self.run(batch)
            probabilities = softmax(logits, self.spec.temperature)
            stain = self.stain_distances(batch)
            mine = [
                self._prediction(sources[start + i], p, float(distance[i]), float(stain[i]))
                for i, p in enumerate(probabilities)
            ]
            # the second model can only add a flag: it reads the cells still unflagged
            open_rows = [i for i, p in enumerate(mine) if not p.review]
            if self._second is not None and open_rows:
                codes = self._second.codes(batch[open_rows])
                for i, code in zip(open_rows, codes, strict=True):
                    mine[i] = self._with_second(mine[i], code)
            out.extend(mine)
        return out

    def _with_second(self, prediction: Prediction, code: str) -> Prediction:
        """Marked for review when the second model puts the cell in another group."""
        if self._second is None or prediction.code is None:
            return prediction
        mine = self.spec.code_groups.get(prediction.code, prediction.code)
        if self._second.group(code) == mine:
            return replace(prediction, second_opinion=code)
        why = (
            f"a second model ({self._second.spec.name}, trained for other laboratories' "
            f"stains) calls it {code}: "
            "the two disagree"
        )
        reason = "; ".join(r for r in (prediction.reason, why) if r)
        return replace(prediction, review=True, reason=reason, second_opinion=code)

    def stain_distances(self, pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
        """How far each image's colours lie from the training images' (0 without a profile)."""
        profile = self.spec.stain_profile
        if profile is None or len(pixels) == 0:
            return np.zeros(len(pixels))
        return profile.distances(stain_descriptors(pixels))

    def classify_images(self, images: Sequence[Path | bytes]) -> list[Prediction]:
        """One prediction per image, in order; unreadable images get ``error`` set.

        Decoding and the model run as a pipeline: decoder threads (Pillow releases the
        GIL) prepare the next batches while ONNX Runtime classifies the current one,
        so on two cores the slower of the two sets the pace rather than their sum.
        """
        names = [str(i) if isinstance(i, Path) else f"<image {n}>" for n, i in enumerate(images)]

        def decode(chunk: Sequence[Path | bytes]) -> list[NDArray[np.uint8] | str]:
            out: list[NDArray[np.uint8] | str] = []
            for item in chunk:
                try:
                    out.append(self.decode(item))
                except InvalidImage as error:
                    out.append(str(error))
            return out

        starts = range(0, len(images), _BATCH)
        results: list[Prediction] = []
        with ThreadPoolExecutor(max_workers=self._decode_workers) as pool:
            pending = deque(
                pool.submit(decode, images[i : i + _BATCH])
                for i in starts[: _LOOKAHEAD * self._decode_workers]
            )
            queued = len(pending)
            for start in starts:
                decoded = pending.popleft().result()
                if queued < len(starts):
                    nxt = starts[queued]
                    pending.append(pool.submit(decode, images[nxt : nxt + _BATCH]))
                    queued += 1
                results.extend(self._classify_chunk(decoded, names[start : start + _BATCH]))
        return results

    def _classify_chunk(
        self, decoded: list[NDArray[np.uint8] | str], names: Sequence[str]
    ) -> list[Prediction]:
        good = [i for i, d in enumerate(decoded) if not isinstance(d, str)]
        out: list[Prediction | None] = [None] * len(decoded)
        if good:
            pixels = np.stack([d for d in decoded if not isinstance(d, str)])
            predictions = self.classify_pixels(pixels, [names[i] for i in good])
            for i, prediction in zip(good, predictions, strict=True):
                out[i] = prediction
        for i, d in enumerate(decoded):
            if isinstance(d, str):
                out[i] = Prediction(names[i], None, 0.0, (), True, "unreadable image", error=d)
        return [p for p in out if p is not None]

    def _prediction(
        self, source: str, p: NDArray[np.float64], distance: float, stain: float = 0.0
    ) -> Prediction:
        order = np.argsort(-p)[:3]
        top3 = tuple((self.spec.codes[j], float(p[j])) for j in order)
        code, confidence = top3[0]
        reasons = []
        profile = self.spec.stain_profile
        odd_stain = profile is not None and stain > profile.BOUND
        if odd_stain:
            reasons.append(
                "colours unlike the training laboratory's (another stain or scanner): "
                "the model's confidence cannot be trusted here"
            )
        if distance > self.spec.ood_threshold:
            reasons.append("unlike any cell the model was trained on (artefact or unknown type)")
        if confidence < self.spec.review_threshold:
            reasons.append(f"confidence {confidence:.2f} below {self.spec.review_threshold:.2f}")
        return Prediction(
            source=source,
            code=code,
            confidence=confidence,
            top3=top3,
            review=bool(reasons),
            reason="; ".join(reasons),
            ood_distance=distance,
            stain_distance=stain,
            unfamiliar=odd_stain or distance > self.spec.ood_threshold,
        )
