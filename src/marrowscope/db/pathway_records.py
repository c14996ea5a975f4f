"""SQL rows of the versioned clinical records (blood count, order, procedure, ...).

Part of ``SqlPathwayRepository``, split out because records follow their own rule: a
correction inserts a new version and marks the old one superseded, never an update.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from marrowscope.db.pathway_tables import clinical_record
from marrowscope.domain.errors import Conflict
from marrowscope.domain.pathway.records import RecordKind, StoredRecord

__all__ = ["ClinicalRecordsMixin"]


def _record(r: Any) -> StoredRecord:
    return StoredRecord(
        id=r.id,
        case_id=r.case_id,
        kind=RecordKind(r.kind),
        version=r.version,
        payload=r.payload,
        recorded_at=r.recorded_at,
        recorded_by=r.recorded_by,
        supersedes_id=r.supersedes_id,
        superseded_at=r.superseded_at,
        correction_reason=r.correction_reason,
    )


class ClinicalRecordsMixin:
    """Versioned clinical records, through the session of ``SqlPathwayRepository``."""

    _s: Session

    def add_record(
        self,
        case_id: int,
        kind: RecordKind,
        payload: Mapping[str, Any],
        *,
        at: datetime,
        by: str,
        supersedes: StoredRecord | None = None,
        reason: str = "",
    ) -> StoredRecord:
        """Insert a version; with ``supersedes`` the old version is marked, never changed."""
        version = 1
        if supersedes is not None:
            version = supersedes.version + 1
            done = self._s.execute(
                update(clinical_record)
                .where(
                    clinical_record.c.id == supersedes.id,
                    clinical_record.c.superseded_at.is_(None),
                )
                .values(superseded_at=at)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict(f"record {supersedes.id} was already corrected")
        new_id = self._s.execute(
            insert(clinical_record)
            .values(
                case_id=case_id,
                kind=kind.value,
                version=version,
                payload=dict(payload),
                recorded_at=at,
                recorded_by=by,
                supersedes_id=None if supersedes is None else supersedes.id,
                correction_reason=reason,
            )
            .returning(clinical_record.c.id)
        ).scalar_one()
        return StoredRecord(
            new_id,
            case_id,
            kind,
            version,
            dict(payload),
            at,
            by,
            None if supersedes is None else supersedes.id,
            None,
            reason,
        )

    def get_record(self, record_id: int) -> StoredRecord | None:
        row = self._s.execute(
            select(clinical_record).where(clinical_record.c.id == record_id)
        ).first()
        return None if row is None else _record(row)

    def records(self, case_id: int, kind: RecordKind | None = None) -> Sequence[StoredRecord]:
        """Every version (current and superseded), oldest first."""
        query = select(clinical_record).where(clinical_record.c.case_id == case_id)
        if kind is not None:
            query = query.where(clinical_record.c.kind == kind.value)
        return [_record(r) for r in self._s.execute(query.order_by(clinical_record.c.id))]

    def latest(self, case_id: int, kind: RecordKind) -> StoredRecord | None:
        """The newest current version of ``kind``."""
        row = self._s.execute(
            select(clinical_record)
            .where(
                clinical_record.c.case_id == case_id,
                clinical_record.c.kind == kind.value,
                clinical_record.c.superseded_at.is_(None),
            )
            .order_by(clinical_record.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _record(row)
