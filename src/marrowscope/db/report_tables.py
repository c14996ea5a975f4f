"""Tables and store of report versions (Alembic branch "reports").

A draft row is updated in place until it is signed; from then on the store refuses any
change to it (signed rows hold the canonical JSON and the PDF exactly as signed). A
release to the patient is its own row, so the release is a recorded step of its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from marrowscope.db.base import UtcDateTime, metadata
from marrowscope.domain.errors import ImmutableRecord
from marrowscope.domain.reporting import ReportKind, ReportRelease, ReportStatus, ReportVersion

__all__ = ["SqlReportStore", "report_release", "report_version"]

report_version = Table(
    "report_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("fields_json", Text, nullable=False),
    Column("counts_json", Text, nullable=False),
    Column("author", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("signed_by", String(64), nullable=True),
    Column("signed_at", UtcDateTime, nullable=True),
    Column("canonical_json", LargeBinary, nullable=True),
    Column("pdf", LargeBinary, nullable=True),
    Column("signer_name", String(128), nullable=True),  # branch "reporting"
    Column("signer_role", String(32), nullable=True),
    Column("signature_meaning", String(16), nullable=True),  # branch "reporting", 0002
    UniqueConstraint("case_id", "version"),
)

report_release = Table(
    "report_release",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("released_at", UtcDateTime, nullable=False),
    Column("released_by", String(64), nullable=False),
    Column("released_by_name", String(128), nullable=True),  # branch "reporting", 0003
    Column("released_by_role", String(32), nullable=True),
)


def _version(row: Any) -> ReportVersion:
    return ReportVersion(
        id=row.id,
        case_id=row.case_id,
        version=row.version,
        kind=ReportKind(row.kind),
        status=ReportStatus(row.status),
        fields=json.loads(row.fields_json),
        counts=json.loads(row.counts_json),
        author=row.author,
        created_at=row.created_at,
        reason=row.reason,
        signed_by=row.signed_by,
        signed_at=row.signed_at,
        signer_name=row.signer_name or "",
        signer_role=row.signer_role or "",
        signature_meaning=row.signature_meaning or "",
    )


_COLUMNS = [c for c in report_version.c if c.name not in ("canonical_json", "pdf")]


class SqlReportStore:
    """Report versions of cases on one unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def versions(self, case_id: int) -> Sequence[ReportVersion]:
        """Every version of a case's report, oldest first."""
        rows = self._session.execute(
            select(*_COLUMNS)
            .where(report_version.c.case_id == case_id)
            .order_by(report_version.c.version)
        )
        return [_version(r) for r in rows]

    def add(self, report: ReportVersion, *, canonical: bytes | None, pdf: bytes | None) -> int:
        """Insert a version (a draft, or an amendment signed at once); returns its id."""
        result = self._session.execute(
            insert(report_version)
            .returning(report_version.c.id)
            .values(
                case_id=report.case_id,
                version=report.version,
                kind=report.kind.value,
                status=report.status.value,
                fields_json=json.dumps(dict(report.fields), sort_keys=True),
                counts_json=json.dumps(dict(report.counts), sort_keys=True),
                author=report.author,
                created_at=report.created_at,
                reason=report.reason,
                signed_by=report.signed_by,
                signed_at=report.signed_at,
                signer_name=report.signer_name or None,
                signer_role=report.signer_role or None,
                signature_meaning=report.signature_meaning or None,
                canonical_json=canonical,
                pdf=pdf,
            )
        )
        return int(result.scalar_one())

    def _require_draft(self, case_id: int, version: int) -> None:
        status = self._session.execute(
            select(report_version.c.status).where(
                report_version.c.case_id == case_id, report_version.c.version == version
            )
        ).scalar_one_or_none()
        if status != ReportStatus.DRAFT.value:
            raise ImmutableRecord(f"report version {version} of case {case_id} is not a draft")

    def save_draft(self, report: ReportVersion) -> None:
        """Overwrite a draft's fields and counts; a signed row refuses."""
        self._require_draft(report.case_id, report.version)
        self._session.execute(
            update(report_version)
            .where(
                report_version.c.case_id == report.case_id,
                report_version.c.version == report.version,
            )
            .values(
                fields_json=json.dumps(dict(report.fields), sort_keys=True),
                counts_json=json.dumps(dict(report.counts), sort_keys=True),
            )
        )

    def mark_signed(self, report: ReportVersion, *, canonical: bytes, pdf: bytes) -> None:
        """The one change a draft row takes to become signed, with its frozen documents."""
        self._require_draft(report.case_id, report.version)
        self._session.execute(
            update(report_version)
            .where(
                report_version.c.case_id == report.case_id,
                report_version.c.version == report.version,
            )
            .values(
                status=ReportStatus.SIGNED.value,
                signed_by=report.signed_by,
                signed_at=report.signed_at,
                signer_name=report.signer_name or None,
                signer_role=report.signer_role or None,
                signature_meaning=report.signature_meaning or None,
                canonical_json=canonical,
                pdf=pdf,
            )
        )

    def documents(self, case_id: int, version: int) -> tuple[bytes, bytes] | None:
        """The canonical JSON and PDF stored at signing (None for a draft or no version)."""
        row = self._session.execute(
            select(report_version.c.canonical_json, report_version.c.pdf).where(
                report_version.c.case_id == case_id, report_version.c.version == version
            )
        ).one_or_none()
        if row is None or row.canonical_json is None or row.pdf is None:
            return None
        return bytes(row.canonical_json), bytes(row.pdf)

    def add_release(
        self, case_id: int, version: int, *, at: datetime, by: str, name: str = "", role: str = ""
    ) -> None:
        """Record that ``version`` was released to the patient, by whom (name and role as
        they stand now)."""
        self._session.execute(
            insert(report_release).values(
                case_id=case_id,
                version=version,
                released_at=at,
                released_by=by,
                released_by_name=name or None,
                released_by_role=role or None,
            )  # fmt: skip
        )

    def released(self, case_id: int) -> ReportRelease | None:
        """The newest release (version, when, by whom), or None."""
        row = self._session.execute(
            select(report_release)
            .where(report_release.c.case_id == case_id)
            .order_by(report_release.c.id.desc())
            .limit(1)
        ).one_or_none()
        if row is None:
            return None
        return ReportRelease(
            version=int(row.version),
            released_at=row.released_at,
            released_by=row.released_by,
            released_by_name=row.released_by_name or "",
            released_by_role=row.released_by_role or "",
        )
