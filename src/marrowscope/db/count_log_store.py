"""Read side of the de-identified count log: every saved slide count, oldest first.

Reads the ``slide_counts`` table of the "auth" branch (read only); the service joins
each count to its case and patient through the unit of work's repositories.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from marrowscope.db.counter_tables import SqlSlideCountStore, slide_counts
from marrowscope.domain.counting.slide_counts import CountStatus, SlideCount

__all__ = ["SqlSavedCountSource"]


class SqlSavedCountSource:
    """``services.counting.SavedCountSource`` inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._counts = SqlSlideCountStore(session)

    def saved_counts(self) -> Sequence[SlideCount]:
        ids = self._session.execute(
            select(slide_counts.c.id)
            .where(slide_counts.c.status == CountStatus.SAVED.value)
            .order_by(slide_counts.c.id)
        ).scalars()
        found = (self._counts.get(i) for i in ids.all())
        return [c for c in found if c is not None]
