"""The port through which reporting reads and writes report versions (``ReportStore``) and
the SQL store it binds by default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from marrowscope.domain.reporting import ReportRelease, ReportVersion
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["ReportStore"]


class ReportStore(Protocol):
    """Report versions of cases (``db.report_tables.SqlReportStore``)."""

    def versions(self, case_id: int) -> Sequence[ReportVersion]: ...

    def add(self, report: ReportVersion, *, canonical: bytes | None, pdf: bytes | None) -> int: ...

    def save_draft(self, report: ReportVersion) -> None: ...

    def mark_signed(self, report: ReportVersion, *, canonical: bytes, pdf: bytes) -> None: ...

    def documents(self, case_id: int, version: int) -> tuple[bytes, bytes] | None: ...

    def add_release(
        self, case_id: int, version: int, *, at: datetime, by: str, name: str = "", role: str = ""
    ) -> None: ...

    def released(self, case_id: int) -> ReportRelease | None: ...


def _default_factory() -> Callable[[Any], ReportStore]:
    # The bridge's calls carry no store factory, so the SQL store is the default; it is
    # imported here, not at module level, so that tests can pass another factory.
    from marrowscope.db.report_tables import SqlReportStore

    return SqlReportStore


def _store(uow: UnitOfWork, factory: Callable[[Any], ReportStore] | None) -> ReportStore:
    return uow.bind(factory or _default_factory())
