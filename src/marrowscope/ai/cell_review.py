"""The model as the review service sees it: images in, ``ModelCall`` values out.

``services.ai_review`` depends on a Protocol (``CellClassifierPort``) so that services
never import onnxruntime; this adapter satisfies it with the shipped
:class:`~marrowscope.ai.infer.CellClassifier`. It also makes the thumbnail kept with
each cell's record (Pillow lives here, not in services).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from marrowscope.ai.infer import CellClassifier, Prediction, default_model_path
from marrowscope.domain.ai_review import ModelCall
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import InvalidImage

__all__ = ["THUMBNAIL_PX", "ModelCellReviewer", "make_thumbnail", "model_version_of"]

THUMBNAIL_PX = 160  # the review gallery shows cells at 128-160 px, large enough to judge; ~6 kB


def model_version_of(sidecar: Path, onnx_file: str) -> str:
    """``sha256:<12 hex>`` of the ONNX file: names exactly the weights that made a call.

    A name such as "cellnet80" survives retraining; the digest does not, so a record
    can always be traced to the weights that produced it.
    """
    digest = hashlib.sha256((sidecar.parent / onnx_file).read_bytes()).hexdigest()
    return f"sha256:{digest[:12]}"


def make_thumbnail(image: bytes, size: int = THUMBNAIL_PX) -> bytes:
    """A JPEG no larger than ``size`` px on its longer side; refuses unreadable bytes."""
    try:
        with Image.open(io.BytesIO(image)) as opened:
            if opened.format == "JPEG" and opened.mode == "RGB" and max(opened.size) <= size:
                opened.load()  # readable through to the end: keep the bytes as they are
                return image
            rgb = opened.convert("RGB")
            rgb.thumbnail((size, size), Image.Resampling.BILINEAR)
            out = io.BytesIO()
            rgb.save(out, format="JPEG", quality=85)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise InvalidImage(f"not a readable image ({error})") from None


def _plain(error: str) -> str:
    """The decoder's message without its stand-in name or object addresses."""
    text = error.removeprefix("<bytes>: ")
    return re.sub(r"\s*\(cannot identify image file <[^>]*>\)", "", text)


class ModelCellReviewer:
    """``CellClassifierPort`` on the ONNX model named by a sidecar (default: shipped)."""

    def __init__(self, classifier: CellClassifier, sidecar: Path) -> None:
        self._classifier = classifier
        self.model_name = classifier.spec.name
        self.model_version = model_version_of(sidecar, classifier.spec.onnx_file)

    @classmethod
    def load(cls, model_dir: Path | None = None, threads: int | None = None) -> ModelCellReviewer:
        """The default model (``Settings.model_dir`` or the one shipped in the package)."""
        sidecar = default_model_path(model_dir)
        return cls(CellClassifier(sidecar, threads), sidecar)

    @property
    def codes(self) -> tuple[str, ...]:
        """Codes the model can answer with."""
        return self._classifier.codes

    @property
    def cannot_recognise(self) -> tuple[str, ...]:
        """Classes the model never outputs: a person must find and code these cells."""
        return self._classifier.cannot_recognise

    def classify(self, images: Sequence[bytes]) -> list[ModelCall | str]:
        """One call per image, in order; an unreadable image gives its error text instead."""
        predictions = self._classifier.classify_images(list(images))
        return [self._call(p) for p in predictions]

    def thumbnail(self, image: bytes) -> bytes:
        """The small JPEG kept with the record."""
        return make_thumbnail(image)

    def _call(self, prediction: Prediction) -> ModelCall | str:
        if prediction.code is None:
            return _plain(prediction.error or "not a readable image")
        return ModelCall(
            code=CellClass(prediction.code),
            confidence=min(1.0, max(0.0, prediction.confidence)),
            top3=tuple((CellClass(c), p) for c, p in prediction.top3),
            review=prediction.review,
            reason=prediction.reason,
            model_name=self.model_name,
            model_version=self.model_version,
            unfamiliar=prediction.unfamiliar,
        )
