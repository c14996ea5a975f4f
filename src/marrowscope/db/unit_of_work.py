"""``SqlUnitOfWork``: one SQLAlchemy session and transaction per use case.

Implements ``marrowscope.services.unit_of_work.UnitOfWork``. ``audit_key`` keys the
audit log's hash chain (``domain.audit_chain``); it comes from the settings, never from
the database it protects. The transaction begins on
``__enter__`` and is rolled back on ``__exit__`` unless ``commit()`` was called, so an
error anywhere in a use case leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from marrowscope.db.access_tables import SqlAccessRepository
from marrowscope.db.core_repositories import (
    SqlAuditRepository,
    SqlCaseRepository,
    SqlPatientRepository,
)
from marrowscope.db.engine import READ_ONLY_OPTION
from marrowscope.db.pathway_repositories import SqlPathwayRepository
from marrowscope.domain.cases.access import AccessPolicy

__all__ = ["Clock", "SqlUnitOfWork", "utc_now"]

T = TypeVar("T")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock in aware UTC."""
    return datetime.now(UTC)


class SqlUnitOfWork:
    """A transaction on ``session_factory`` with every repository bound to it."""

    session: Session

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        clock: Clock = utc_now,
        read_only: bool = False,
        audit_key: bytes,
        access: AccessPolicy | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._access = access or AccessPolicy()
        self._audit_key = audit_key
        self._clock = clock
        self._read_only = read_only

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.session.begin()
        if self._read_only:
            # procure the connection now, marked, so its BEGIN takes no write lock
            self.session.connection(execution_options={READ_ONLY_OPTION: True})
        self.patients = SqlPatientRepository(self.session)
        self.cases = SqlCaseRepository(self.session)
        self.audit = SqlAuditRepository(self.session, self._audit_key)
        self.pathway = SqlPathwayRepository(self.session)
        self.access = SqlAccessRepository(self.session, self._access)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.session.in_transaction():
                self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        """Make every change of this unit durable at once."""
        self.session.commit()
        self.session.begin()

    def rollback(self) -> None:
        """Drop every change since the last commit."""
        self.session.rollback()
        self.session.begin()

    def now(self) -> datetime:
        return self._clock()

    def bind(self, factory: Callable[[Any], T]) -> T:
        return factory(self.session)
