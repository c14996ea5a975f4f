"""The stores the quality use cases read and write, as ports, with the SQL ones bound by
default (imported at call time, so tests may pass others and the services layer imports
no database module at import time)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from marrowscope.domain.quality import CaseTimes, CriticalCall, Decision, SignedVersion, TestTimes
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["CallLog", "QualityRows", "call_log", "quality_rows"]


class CallLog(Protocol):
    """The critical-value call log (``db.quality_tables.SqlCallLog``)."""

    def add(
        self,
        case_id: int,
        *,
        called_at: datetime,
        caller: str,
        recipient: str,
        read_back: bool,
        values: str,
        notes: str,
        recorded_at: datetime,
    ) -> CriticalCall: ...

    def for_case(self, case_id: int) -> Sequence[CriticalCall]: ...

    def all_calls(self) -> Sequence[CriticalCall]: ...


class QualityRows(Protocol):
    """The raw rows the dashboard summarises (``db.quality_queries.SqlQualityRows``)."""

    def test_times(self) -> list[TestTimes]: ...

    def case_times(self) -> list[CaseTimes]: ...

    def signed_versions(self) -> list[SignedVersion]: ...

    def model_pairs(self) -> list[tuple[datetime, str, str]]: ...

    def decisions(self) -> list[Decision]: ...

    def latest_counts(self) -> list[tuple[int, Mapping[str, Any], datetime]]: ...


def call_log(uow: UnitOfWork, factory: Callable[[Any], CallLog] | None = None) -> CallLog:
    """The call log on ``uow``'s session."""
    if factory is None:
        from marrowscope.db.quality_tables import SqlCallLog

        factory = SqlCallLog
    return uow.bind(factory)


def quality_rows(
    uow: UnitOfWork, factory: Callable[[Any], QualityRows] | None = None
) -> QualityRows:
    """The dashboard's rows on ``uow``'s session."""
    if factory is None:
        from marrowscope.db.quality_queries import SqlQualityRows

        factory = SqlQualityRows
    return uow.bind(factory)
