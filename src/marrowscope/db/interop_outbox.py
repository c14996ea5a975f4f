"""Which signed reports still have to go to a destination: a query across the report
versions (branch "reports") and the message log (branch "interop").

Only each case's newest signed version counts: an EHR files the current result, and an
amendment or addendum replaces the version before it (it goes as a corrected result),
so a version superseded before it was ever sent is not sent late. Kept in the database
layer because it joins two capabilities' tables, which the use cases never see.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from marrowscope.db.interop_exchange_tables import interop_exchange
from marrowscope.db.report_tables import report_version
from marrowscope.domain.interop.exchange import Direction
from marrowscope.domain.reporting import ReportStatus

__all__ = ["SqlReportOutbox"]


class SqlReportOutbox:
    """``services.interop.ReportOutbox`` on the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def unsent(self, destination: str, since: datetime, limit: int = 200) -> list[tuple[int, int]]:
        """(case id, version) of each case's newest signed version, signed at or after
        ``since``, with no outbound message for ``destination`` yet, oldest first.

        A message queued without a destination ('') counts as going to this one: the
        next delivery takes it to whichever destination asks first.
        """
        signed = report_version.c.status == ReportStatus.SIGNED.value
        newest = (
            select(
                report_version.c.case_id,
                func.max(report_version.c.version).label("version"),
            )
            .where(signed)
            .group_by(report_version.c.case_id)
            .subquery()
        )
        logged = exists().where(
            interop_exchange.c.direction == Direction.OUT.value,
            interop_exchange.c.peer.in_([destination[:200], ""]),
            interop_exchange.c.case_id == report_version.c.case_id,
            interop_exchange.c.report_version == report_version.c.version,
        )
        rows = self._session.execute(
            select(report_version.c.case_id, report_version.c.version)
            .join(
                newest,
                and_(
                    newest.c.case_id == report_version.c.case_id,
                    newest.c.version == report_version.c.version,
                ),
            )
            .where(signed, report_version.c.signed_at >= since, ~logged)
            .order_by(report_version.c.signed_at, report_version.c.id)
            .limit(limit)
        )
        return [(int(case_id), int(version)) for case_id, version in rows]
