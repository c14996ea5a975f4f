"""The port of the raw message log (``db.interop_exchange_tables.SqlExchangeLog``).

A Protocol, so the use cases stay free of SQLAlchemy; the SQL store is found lazily,
as the filed-message log is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from marrowscope.domain.interop.exchange import Exchange, ExchangeStatus

__all__ = ["ExchangeLog", "default_exchange_log"]


class ExchangeLog(Protocol):
    """Every message in and out, raw."""

    def add(self, entry: Exchange) -> Exchange: ...

    def save(self, entry: Exchange) -> None: ...

    def get(self, exchange_id: int) -> Exchange | None: ...

    def with_status(
        self, statuses: Iterable[ExchangeStatus], limit: int = 200
    ) -> list[Exchange]: ...

    def recent(self, limit: int = 100) -> list[Exchange]: ...

    def delete_before(self, moment: datetime, keep: Iterable[ExchangeStatus]) -> int: ...

    def claim(
        self, exchange_id: int, at: datetime, expected: ExchangeStatus = ExchangeStatus.QUEUED
    ) -> bool: ...

    def release_stale(self, before: datetime) -> int: ...

    def for_report(self, destination: str, case_id: int, version: int) -> Exchange | None: ...


def default_exchange_log() -> Callable[[Any], ExchangeLog]:
    # imported when first needed, so that the use cases import no database code
    from marrowscope.db.interop_exchange_tables import SqlExchangeLog

    return SqlExchangeLog
