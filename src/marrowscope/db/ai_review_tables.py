"""Table and store of AI-proposed cell calls (Alembic branch "ai_review").

One row per uploaded cell image: the model's call is written once and never updated;
the decision columns change with each decision (every change is in the audit log with
its old and new values). A small thumbnail is kept so the record can be re-examined;
the original image is identified by its SHA-256, never stored whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.ai_review import CallState, CellCall, FieldOrigin, ModelCall
from marrowscope.domain.counting.taxonomy import CellClass

__all__ = ["SqlCellCallStore", "ai_cell_calls"]

ai_cell_calls = Table(
    "ai_cell_calls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=False, index=True),
    Column("slide_label", String(40), nullable=False),
    Column("image_name", String(200), nullable=False),
    Column("image_sha256", String(64), nullable=False),
    Column("thumbnail", LargeBinary, nullable=False),
    Column("model_code", String(8), nullable=False),
    Column("model_confidence", Float, nullable=False),
    Column("model_top3_json", Text, nullable=False),
    Column("model_review", Boolean, nullable=False),
    Column("model_reason", Text, nullable=False),
    Column("model_name", String(64), nullable=False),
    Column("model_version", String(80), nullable=False),
    Column("proposed_by", String(64), nullable=False),
    Column("proposed_at", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("final_code", String(8), nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    # The id of the slide count these cells entered (``slide_counts.id``; no foreign key,
    # see the migration ai_review_0001).
    Column("slide_count_id", Integer, nullable=True, index=True),
    # Cells found in field images (ai_review_0002); null for uploaded single-cell crops.
    Column("field_name", String(200), nullable=True),
    Column("field_sha256", String(64), nullable=True, index=True),
    Column("box_json", Text, nullable=True),
    Column("detector_name", String(64), nullable=True),
    Column("detector_version", String(80), nullable=True),
    Column("detector_score", Float, nullable=True),
    Column("context_jpeg", LargeBinary, nullable=True),
    Column("model_unfamiliar", Boolean, nullable=True),
)

_NO_THUMBNAIL = (
    ai_cell_calls.c.id,
    ai_cell_calls.c.case_id,
    ai_cell_calls.c.slide_label,
    ai_cell_calls.c.image_name,
    ai_cell_calls.c.image_sha256,
    ai_cell_calls.c.model_code,
    ai_cell_calls.c.model_confidence,
    ai_cell_calls.c.model_top3_json,
    ai_cell_calls.c.model_review,
    ai_cell_calls.c.model_reason,
    ai_cell_calls.c.model_name,
    ai_cell_calls.c.model_version,
    ai_cell_calls.c.proposed_by,
    ai_cell_calls.c.proposed_at,
    ai_cell_calls.c.state,
    ai_cell_calls.c.final_code,
    ai_cell_calls.c.decided_by,
    ai_cell_calls.c.decided_at,
    ai_cell_calls.c.slide_count_id,
    ai_cell_calls.c.field_name,
    ai_cell_calls.c.field_sha256,
    ai_cell_calls.c.box_json,
    ai_cell_calls.c.detector_name,
    ai_cell_calls.c.detector_version,
    ai_cell_calls.c.detector_score,
    ai_cell_calls.c.model_unfamiliar,
)


def _origin(row: Any) -> FieldOrigin | None:
    if row.field_sha256 is None:
        return None
    x1, y1, x2, y2 = (float(v) for v in json.loads(row.box_json))
    return FieldOrigin(
        field_name=row.field_name,
        field_sha256=row.field_sha256,
        box=(x1, y1, x2, y2),
        detector_name=row.detector_name,
        detector_version=row.detector_version,
        detector_score=float(row.detector_score),
    )


def _origin_values(origin: FieldOrigin | None, context: bytes | None) -> dict[str, Any]:
    if origin is None:
        return {}
    return {
        "field_name": origin.field_name,
        "field_sha256": origin.field_sha256,
        "box_json": json.dumps([round(v, 1) for v in origin.box]),
        "detector_name": origin.detector_name,
        "detector_version": origin.detector_version,
        "detector_score": origin.detector_score,
        "context_jpeg": context,
    }


def _row(row: Any) -> CellCall:
    model = ModelCall(
        code=CellClass(row.model_code),
        confidence=float(row.model_confidence),
        top3=tuple((CellClass(c), float(p)) for c, p in json.loads(row.model_top3_json)),
        review=bool(row.model_review),
        reason=row.model_reason,
        model_name=row.model_name,
        model_version=row.model_version,
        unfamiliar=bool(row.model_unfamiliar),
    )
    return CellCall(
        id=row.id,
        case_id=row.case_id,
        slide_label=row.slide_label,
        image_name=row.image_name,
        image_sha256=row.image_sha256,
        model=model,
        proposed_by=row.proposed_by,
        proposed_at=row.proposed_at,
        state=CallState(row.state),
        final_code=None if row.final_code is None else CellClass(row.final_code),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        slide_count_id=row.slide_count_id,
        origin=_origin(row),
    )


class SqlCellCallStore:
    """``services.ai_review.CellCallStore`` inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

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
    ) -> CellCall:
        new_id = self._session.execute(
            insert(ai_cell_calls)
            .values(
                case_id=case_id,
                slide_label=slide_label,
                image_name=image_name,
                image_sha256=image_sha256,
                thumbnail=thumbnail,
                model_code=model.code.value,
                model_confidence=model.confidence,
                model_top3_json=json.dumps([[c.value, round(p, 6)] for c, p in model.top3]),
                model_review=model.review,
                model_reason=model.reason,
                model_name=model.model_name,
                model_version=model.model_version,
                model_unfamiliar=model.unfamiliar,
                proposed_by=by,
                proposed_at=at,
                state=CallState.PROPOSED.value,
                **_origin_values(origin, context),
            )
            .returning(ai_cell_calls.c.id)
        ).scalar_one()
        found = self.get(new_id)
        assert found is not None  # just inserted in this transaction
        return found

    def get(self, call_id: int) -> CellCall | None:
        row = self._session.execute(
            select(*_NO_THUMBNAIL).where(ai_cell_calls.c.id == call_id)
        ).first()
        return None if row is None else _row(row)

    def get_for_update(self, call_id: int) -> CellCall | None:
        """The call with its row write-locked until the unit ends (see the slide counts)."""
        self._session.execute(
            update(ai_cell_calls)
            .where(ai_cell_calls.c.id == call_id)
            .values(state=ai_cell_calls.c.state)
        )
        return self.get(call_id)

    def for_case(self, case_id: int, slide_label: str | None = None) -> Sequence[CellCall]:
        query = select(*_NO_THUMBNAIL).where(ai_cell_calls.c.case_id == case_id)
        if slide_label is not None:
            query = query.where(ai_cell_calls.c.slide_label == slide_label)
        rows = self._session.execute(query.order_by(ai_cell_calls.c.id)).all()
        return [_row(r) for r in rows]

    def thumbnail(self, call_id: int) -> bytes | None:
        value = self._session.execute(
            select(ai_cell_calls.c.thumbnail).where(ai_cell_calls.c.id == call_id)
        ).scalar_one_or_none()
        return None if value is None else bytes(value)

    def context(self, call_id: int) -> bytes | None:
        """The cell among its neighbours (a JPEG cut from its field), when it has one."""
        value = self._session.execute(
            select(ai_cell_calls.c.context_jpeg).where(ai_cell_calls.c.id == call_id)
        ).scalar_one_or_none()
        return None if value is None else bytes(value)

    def save_decision(self, call: CellCall) -> None:
        self._session.execute(
            update(ai_cell_calls)
            .where(ai_cell_calls.c.id == call.id)
            .values(
                state=call.state.value,
                final_code=None if call.final_code is None else call.final_code.value,
                decided_by=call.decided_by,
                decided_at=call.decided_at,
            )
        )

    def mark_counted(self, call_ids: Sequence[int], slide_count_id: int) -> None:
        if call_ids:
            self._session.execute(
                update(ai_cell_calls)
                .where(ai_cell_calls.c.id.in_(list(call_ids)))
                .values(slide_count_id=slide_count_id)
            )
