"""The workers' answers handed to the upload services as their model ports.

A batch worker (``ai.batch``) has already run the detector and the classifier; filing a
slide goes through the same use cases as an upload in the web app
(``services.ai_review.import_images`` / ``analyze_fields``), which ask their ports for
the answers. These ports give back what the worker computed, matched by each image's
SHA-256, so the service may refuse some files (duplicates, size) before it asks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from marrowscope.ai.batch import SlideCells, SlideFields
from marrowscope.ai.cell_review import make_thumbnail
from marrowscope.domain.ai_review import FieldCells, ModelCall
from marrowscope.domain.errors import InvalidImage

__all__ = ["PrecomputedCalls", "PrecomputedFields"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PrecomputedCalls:
    """``CellClassifierPort`` answering with a worker's calls (and thumbnails, if made)."""

    def __init__(
        self,
        images: Sequence[bytes],
        calls: Sequence[ModelCall | str],
        thumbnails: Sequence[bytes | None] | None,
        model_name: str,
        model_version: str,
    ) -> None:
        keys = [_sha(data) for data in images]
        self._calls = dict(zip(keys, calls, strict=True))
        self._thumbs = dict(zip(keys, thumbnails, strict=True)) if thumbnails is not None else None
        self.model_name, self.model_version = model_name, model_version
        self.cannot_recognise: tuple[str, ...] = ()

    @classmethod
    def of_cells(
        cls, slide: SlideCells, images: Sequence[bytes], model_name: str, model_version: str
    ) -> PrecomputedCalls:
        """The calls of a slide of single-cell images."""
        return cls(images, slide.calls, slide.thumbnails, model_name, model_version)

    def classify(self, images: Sequence[bytes]) -> list[ModelCall | str]:
        return [self._calls[_sha(data)] for data in images]

    def thumbnail(self, image: bytes) -> bytes:
        if self._thumbs is None:  # field crops: already small JPEGs, kept as they are
            return make_thumbnail(image)
        thumb = self._thumbs.get(_sha(image))
        if thumb is None:
            raise InvalidImage("not a readable image")
        return thumb


class PrecomputedFields:
    """``FieldCellFinderPort`` answering with a worker's detections, by field SHA-256."""

    def __init__(self, slide: SlideFields, images: Sequence[bytes]) -> None:
        self._found: dict[str, FieldCells | str] = {
            _sha(data): found for data, found in zip(images, slide.fields, strict=True)
        }
        self.detector_name = slide.detector_name
        self.detector_version = slide.detector_version

    def find(self, image: bytes, name: str) -> FieldCells:
        found = self._found.get(_sha(image))
        if found is None:
            raise InvalidImage(f"{name}: changed since it was analysed")
        if isinstance(found, str):
            raise InvalidImage(f"{name}: {found}")
        return found

    def calls(self, slide: SlideFields, model_name: str, model_version: str) -> PrecomputedCalls:
        """The classifier port for this slide's crops, in the worker's order."""
        fields = [found for found in slide.fields if not isinstance(found, str)]
        crops = [c.crop for found in fields for c in found.white_cells]
        return PrecomputedCalls(crops, slide.calls, None, model_name, model_version)
