"""The unit of work: one transaction per use case, and the repositories inside it.

Services depend on these Protocols only; ``marrowscope.db.unit_of_work.SqlUnitOfWork``
implements them on SQLAlchemy and ``bootstrap`` builds the factory. A use case::

    with uow_factory() as uow:
        patient = uow.patients.add(new, at=uow.now())
        record_audit(uow, actor, "patient", patient.id, AuditAction.CREATE, None, {...})
        uow.commit()

Leaving the ``with`` block without ``commit()`` (or through an exception) rolls back,
so bad input leaves the database unchanged. Other areas reach their own db stores
through ``uow.bind(SqlUserStore)``, which hands the store this unit's session.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import datetime
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Protocol, Self, TypeVar

from marrowscope.domain.audit import AuditEntry
from marrowscope.domain.audit_chain import ChainReport
from marrowscope.domain.cases.access import AccessPolicy, BreakGlassGrant
from marrowscope.domain.cases.model import Case, CaseStatus, NewPatient, Patient
from marrowscope.domain.lab import LabTest, Specimen, SpecimenKind, TestState, TestType
from marrowscope.domain.pathway.records import RecordKind, ResultVersion, StoredRecord, TestEvent
from marrowscope.domain.roles import Actor

__all__ = [
    "AccessRepository",
    "AuditRepository",
    "CaseRepository",
    "PathwayRepository",
    "PatientRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "read_only",
    "reads_only",
    "transactional",
]

_READ_ONLY: ContextVar[bool] = ContextVar("marrowscope_read_only", default=False)


@contextlib.contextmanager
def read_only() -> Iterator[None]:
    """Declare that the units opened inside only read.

    A hint for the storage: SQLite then begins a plain (deferred) transaction instead of
    taking the single write lock, so the session lookup every request makes does not
    queue behind counters saving. A unit opened under this hint must not write; a use
    case that may write opens its own unit outside it.
    """
    token = _READ_ONLY.set(True)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


def reads_only() -> bool:
    """Whether the current code declared that its units only read (see :func:`read_only`)."""
    return _READ_ONLY.get()


T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")


class PatientRepository(Protocol):
    """Registered patients."""

    def add(self, new: NewPatient, *, at: datetime) -> Patient: ...

    def get(self, patient_id: int) -> Patient | None: ...

    def by_mrn(self, mrn: str) -> Patient | None: ...

    def search(self, text: str = "", *, limit: int = 50) -> Sequence[Patient]: ...

    def update(self, patient: Patient) -> None: ...


class CaseRepository(Protocol):
    """Examination episodes."""

    def add(self, patient_id: int, *, opened_at: datetime, opened_by: str, ward: str) -> Case: ...

    def get(self, case_id: int) -> Case | None: ...

    def for_patient(self, patient_id: int) -> Sequence[Case]: ...

    def list(
        self,
        *,
        status: CaseStatus | None = None,
        limit: int = 200,
        wards: Collection[str] | None = None,
        or_ids: Collection[int] = (),
    ) -> Sequence[Case]:
        """Newest first; ``wards`` (when given) keeps cases of those wards and ``or_ids``."""
        ...

    def set_status(self, case_id: int, status: CaseStatus, reason: str = "") -> None: ...


class AccessRepository(Protocol):
    """Who works where, and break-glass grants (``domain.cases.access``)."""

    @property
    def policy(self) -> AccessPolicy:
        """This installation's scoping settings."""
        ...

    def units_of(self, user_id: int) -> frozenset[str]: ...

    def set_units(self, user_id: int, units: Collection[str]) -> None: ...

    def add_grant(
        self, actor: Actor, case_id: int, reason: str, *, at: datetime, until: datetime
    ) -> BreakGlassGrant: ...

    def live_grants(self, username: str, now: datetime) -> Sequence[BreakGlassGrant]:
        """The person's grants not yet expired at ``now``."""
        ...

    def recent_grants(self, *, limit: int = 200) -> Sequence[BreakGlassGrant]:
        """Every person's grants, newest first (the privacy review)."""
        ...


class AuditRepository(Protocol):
    """The append-only, hash-chained audit log (``domain.audit_chain``)."""

    def add(self, entry: AuditEntry) -> AuditEntry: ...

    def pseudonym(self, text: str) -> str:
        """A keyed hash standing for ``text``, for what must not be stored in clear."""
        ...

    def verify(self, expect: tuple[int, str] | None = None) -> ChainReport:
        """The whole chain checked with the key this unit holds."""
        ...

    def prune_before(self, moment: datetime) -> tuple[int, int]:
        """Delete the oldest entries written before ``moment``: (count, last position)."""
        ...

    def for_entity(self, entity: str, entity_id: str) -> Sequence[AuditEntry]: ...

    def for_case(self, case_id: int) -> Sequence[AuditEntry]: ...

    def recent(self, *, limit: int = 100) -> Sequence[AuditEntry]: ...


class PathwayRepository(Protocol):
    """Versioned clinical records, specimens, tests, test events and result versions."""

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
    ) -> StoredRecord: ...

    def get_record(self, record_id: int) -> StoredRecord | None: ...

    def records(self, case_id: int, kind: RecordKind | None = None) -> Sequence[StoredRecord]: ...

    def latest(self, case_id: int, kind: RecordKind) -> StoredRecord | None: ...

    def add_specimen(
        self,
        case_id: int,
        accession: str,
        kind: SpecimenKind,
        *,
        collected_at: datetime,
        collected_by: str,
        notes: str = "",
    ) -> Specimen: ...

    def get_specimen(self, specimen_id: int) -> Specimen | None: ...

    def specimen_by_accession(self, accession: str) -> Specimen | None: ...

    def specimens(self, case_id: int) -> Sequence[Specimen]: ...

    def set_specimen_received(self, specimen_id: int, at: datetime) -> None: ...

    def max_accession(self, prefix: str) -> str | None: ...

    def next_serial(self, prefix: str) -> int: ...

    def add_test(
        self, specimen_id: int, test_type: TestType, *, at: datetime, by: str
    ) -> LabTest: ...

    def get_test(self, test_id: int) -> LabTest | None: ...

    def tests_for_specimen(self, specimen_id: int) -> Sequence[LabTest]: ...

    def tests_for_case(self, case_id: int) -> Sequence[LabTest]: ...

    def open_tests(self) -> Sequence[LabTest]: ...

    def set_test_state(
        self,
        test: LabTest,
        to: TestState,
        *,
        at: datetime,
        by: str,
        reason: str = "",
        received_at: datetime | None = None,
    ) -> LabTest: ...

    def events_for_case(self, case_id: int) -> Sequence[TestEvent]: ...

    def add_result(
        self,
        test_id: int,
        payload: Mapping[str, Any],
        *,
        at: datetime,
        by: str,
        supersedes: ResultVersion | None = None,
        reason: str = "",
    ) -> ResultVersion: ...

    def current_result(self, test_id: int) -> ResultVersion | None: ...

    def verify_result(self, result_id: int, *, at: datetime, by: str) -> None: ...

    def results_for_case(self, case_id: int) -> Sequence[ResultVersion]: ...


class UnitOfWork(Protocol):
    """One transaction and the repositories that share it."""

    @property
    def patients(self) -> PatientRepository: ...

    @property
    def cases(self) -> CaseRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def pathway(self) -> PathwayRepository: ...

    @property
    def access(self) -> AccessRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def now(self) -> datetime:
        """The clock of this unit (aware UTC); tests inject a fixed one."""
        ...

    def bind(self, factory: Callable[[Any], T]) -> T:
        """A db-level store built on this unit's session, e.g. ``uow.bind(SqlUserStore)``."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


def transactional(
    use_case: Callable[Concatenate[UnitOfWork, P], R],
) -> Callable[Concatenate[UnitOfWork, P], R]:
    """Roll the unit back when a use case raises, so that a caller who keeps using the
    same unit (the web request, the demo) can never commit half of a failed change."""

    @functools.wraps(use_case)
    def run(uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return use_case(uow, *args, **kwargs)
        except BaseException:
            uow.rollback()
            raise

    return run
