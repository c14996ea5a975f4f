"""The boundary of the review use cases: the model and the store, as Protocols.

Kept apart so that every step (upload, decisions, counting) depends on the same two
ports, and so that services never import onnxruntime or SQLAlchemy: ``bootstrap``
hands in the adapters (``ai.cell_review``, ``db.ai_review_tables``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from marrowscope.domain.ai_review import CellCall, FieldCells, FieldOrigin, ModelCall
from marrowscope.services.account_stores import AccountStores

__all__ = ["CellCallStore", "CellClassifierPort", "FieldCellFinderPort", "ReviewStores"]


class CellClassifierPort(Protocol):
    """The model: proposes a call per image (``ai.cell_review.ModelCellReviewer``)."""

    @property
    def model_name(self) -> str: ...

    @property
    def model_version(self) -> str: ...

    @property
    def cannot_recognise(self) -> tuple[str, ...]:
        """Classes the model never outputs (shown so that a person codes them)."""
        ...

    def classify(self, images: Sequence[bytes]) -> list[ModelCall | str]:
        """One call per image, in order; the error text where an image is unreadable."""
        ...

    def thumbnail(self, image: bytes) -> bytes:
        """A small JPEG of the image, kept with the record (raises ``InvalidImage``)."""
        ...


class FieldCellFinderPort(Protocol):
    """The detector: white cells of a field image, framed (``ai.field_cells``)."""

    @property
    def detector_name(self) -> str: ...

    @property
    def detector_version(self) -> str: ...

    def find(self, image: bytes, name: str) -> FieldCells:
        """The field's cells; raises ``InvalidImage`` with a one-line reason."""
        ...


class CellCallStore(Protocol):
    """Persistence of cell calls (implemented in ``db.ai_review_tables``)."""

    def add(
        self,
        case_id: int,
        slide_label: str,
        image_name: str,
        image_sha256: str,
        thumbnail: bytes,
        model: ModelCall,
        *,
        by: str,
        at: datetime,
        origin: FieldOrigin | None = None,
        context: bytes | None = None,
    ) -> CellCall: ...

    def get(self, call_id: int) -> CellCall | None: ...

    def get_for_update(self, call_id: int) -> CellCall | None: ...

    def for_case(self, case_id: int, slide_label: str | None = None) -> Sequence[CellCall]: ...

    def thumbnail(self, call_id: int) -> bytes | None: ...

    def context(self, call_id: int) -> bytes | None: ...

    def save_decision(self, call: CellCall) -> None: ...

    def mark_counted(self, call_ids: Sequence[int], slide_count_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class ReviewStores:
    """Store factories (``uow.bind``): the cell calls, and the accounts area's slide counts."""

    calls: Callable[[Any], CellCallStore]
    accounts: AccountStores
