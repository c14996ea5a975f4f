"""SQL repository of the pathway: versioned records, specimens, tests, events, results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marrowscope.db.pathway_tables import (
    accession_counter,
    clinical_record,
    lab_result,
    lab_test,
    lab_test_event,
    specimen,
)
from marrowscope.domain.errors import Conflict
from marrowscope.domain.pathway import RecordKind, ResultVersion, StoredRecord, TestEvent
from marrowscope.domain.specimen import LabTest, Specimen, SpecimenKind, TestState, TestType

__all__ = ["SqlPathwayRepository"]


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


def _specimen(r: Any) -> Specimen:
    return Specimen(
        id=r.id,
        case_id=r.case_id,
        accession=r.accession,
        kind=SpecimenKind(r.kind),
        collected_at=r.collected_at,
        collected_by=r.collected_by,
        received_at=r.received_at,
        notes=r.notes,
    )


def _test(r: Any) -> LabTest:
    return LabTest(
        id=r.id,
        specimen_id=r.specimen_id,
        test_type=TestType(r.test_type),
        state=TestState(r.state),
        ordered_at=r.ordered_at,
        ordered_by=r.ordered_by,
        received_at=r.received_at,
        state_reason=r.state_reason,
        updated_at=r.updated_at,
    )


def _result(r: Any) -> ResultVersion:
    return ResultVersion(
        id=r.id,
        lab_test_id=r.lab_test_id,
        version=r.version,
        payload=r.payload,
        resulted_at=r.resulted_at,
        resulted_by=r.resulted_by,
        verified_at=r.verified_at,
        verified_by=r.verified_by,
        superseded_at=r.superseded_at,
        correction_reason=r.correction_reason,
    )


class SqlPathwayRepository:
    """All pathway tables through one session (the unit of work's)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    # --- versioned clinical records ---------------------------------------------------

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

    # --- specimens ------------------------------------------------------------------------

    def add_specimen(
        self,
        case_id: int,
        accession: str,
        kind: SpecimenKind,
        *,
        collected_at: datetime,
        collected_by: str,
        notes: str = "",
    ) -> Specimen:
        if self.specimen_by_accession(accession) is not None:
            raise Conflict(f"accession {accession} is already used")
        try:
            with self._s.begin_nested():
                new_id = self._s.execute(
                    insert(specimen)
                    .values(
                        case_id=case_id,
                        accession=accession,
                        kind=kind.value,
                        collected_at=collected_at,
                        collected_by=collected_by,
                        notes=notes,
                    )
                    .returning(specimen.c.id)
                ).scalar_one()
        except IntegrityError as error:  # another writer took it between check and insert
            raise Conflict(f"accession {accession} is already used") from error
        return Specimen(new_id, case_id, accession, kind, collected_at, collected_by, None, notes)

    def get_specimen(self, specimen_id: int) -> Specimen | None:
        row = self._s.execute(select(specimen).where(specimen.c.id == specimen_id)).first()
        return None if row is None else _specimen(row)

    def specimen_by_accession(self, accession: str) -> Specimen | None:
        row = self._s.execute(select(specimen).where(specimen.c.accession == accession)).first()
        return None if row is None else _specimen(row)

    def specimens(self, case_id: int) -> Sequence[Specimen]:
        query = select(specimen).where(specimen.c.case_id == case_id).order_by(specimen.c.id)
        return [_specimen(r) for r in self._s.execute(query)]

    def set_specimen_received(self, specimen_id: int, at: datetime) -> None:
        self._s.execute(update(specimen).where(specimen.c.id == specimen_id).values(received_at=at))

    def max_accession(self, prefix: str) -> str | None:
        """The highest accession starting with ``prefix`` (e.g. 'BM26-')."""
        return self._s.execute(
            select(func.max(specimen.c.accession)).where(specimen.c.accession.like(f"{prefix}%"))
        ).scalar_one_or_none()

    def next_serial(self, prefix: str) -> int:
        """The next accession serial for ``prefix``, atomically (an upsert that locks the row).

        A new prefix starts after the highest number already used with it, so numbers
        typed in by hand are not handed out again.
        """
        last = self.max_accession(prefix)
        start = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        dialect = self._s.get_bind().dialect.name
        insert_fn = sqlite_insert if dialect == "sqlite" else pg_insert
        statement = insert_fn(accession_counter).values(prefix=prefix, last_serial=start)
        upsert = statement.on_conflict_do_update(
            index_elements=[accession_counter.c.prefix],
            set_={"last_serial": accession_counter.c.last_serial + 1},
        ).returning(accession_counter.c.last_serial)
        return int(self._s.execute(upsert).scalar_one())

    # --- tests and their state machine ----------------------------------------------------

    def add_test(self, specimen_id: int, test_type: TestType, *, at: datetime, by: str) -> LabTest:
        new_id = self._s.execute(
            insert(lab_test)
            .values(
                specimen_id=specimen_id,
                test_type=test_type.value,
                state=TestState.ORDERED.value,
                ordered_at=at,
                ordered_by=by,
                state_reason="",
                updated_at=at,
            )
            .returning(lab_test.c.id)
        ).scalar_one()
        self.add_event(TestEvent(new_id, at, by, None, TestState.ORDERED))
        return LabTest(new_id, specimen_id, test_type, TestState.ORDERED, at, by, None, "", at)

    def get_test(self, test_id: int) -> LabTest | None:
        row = self._s.execute(select(lab_test).where(lab_test.c.id == test_id)).first()
        return None if row is None else _test(row)

    def tests_for_specimen(self, specimen_id: int) -> Sequence[LabTest]:
        query = (
            select(lab_test).where(lab_test.c.specimen_id == specimen_id).order_by(lab_test.c.id)
        )
        return [_test(r) for r in self._s.execute(query)]

    def tests_for_case(self, case_id: int) -> Sequence[LabTest]:
        query = (
            select(lab_test)
            .join(specimen, specimen.c.id == lab_test.c.specimen_id)
            .where(specimen.c.case_id == case_id)
            .order_by(lab_test.c.id)
        )
        return [_test(r) for r in self._s.execute(query)]

    def open_tests(self) -> Sequence[LabTest]:
        """Tests not yet verified, rejected or cancelled (for the overdue list)."""
        final = [TestState.VERIFIED.value, TestState.REJECTED.value, TestState.CANCELLED.value]
        query = select(lab_test).where(lab_test.c.state.not_in(final)).order_by(lab_test.c.id)
        return [_test(r) for r in self._s.execute(query)]

    def set_test_state(
        self,
        test: LabTest,
        to: TestState,
        *,
        at: datetime,
        by: str,
        reason: str = "",
        received_at: datetime | None = None,
    ) -> LabTest:
        """Move ``test`` to ``to`` if nobody moved it meanwhile (optimistic check)."""
        values: dict[str, Any] = {"state": to.value, "state_reason": reason, "updated_at": at}
        if received_at is not None:
            values["received_at"] = received_at
        done = self._s.execute(
            update(lab_test)
            .where(lab_test.c.id == test.id, lab_test.c.state == test.state.value)
            .values(**values)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"test {test.id} changed meanwhile; reload and try again")
        self.add_event(TestEvent(test.id, at, by, test.state, to, reason))
        return replace(
            test,
            state=to,
            state_reason=reason,
            updated_at=at,
            received_at=received_at if received_at is not None else test.received_at,
        )

    def add_event(self, event: TestEvent) -> None:
        self._s.execute(
            insert(lab_test_event).values(
                lab_test_id=event.lab_test_id,
                at=event.at,
                by=event.by,
                from_state=None if event.from_state is None else event.from_state.value,
                to_state=event.to_state.value,
                reason=event.reason,
            )
        )

    def events_for_case(self, case_id: int) -> Sequence[TestEvent]:
        query = (
            select(lab_test_event)
            .join(lab_test, lab_test.c.id == lab_test_event.c.lab_test_id)
            .join(specimen, specimen.c.id == lab_test.c.specimen_id)
            .where(specimen.c.case_id == case_id)
            .order_by(lab_test_event.c.id)
        )
        return [
            TestEvent(
                r.lab_test_id,
                r.at,
                r.by,
                None if r.from_state is None else TestState(r.from_state),
                TestState(r.to_state),
                r.reason,
            )
            for r in self._s.execute(query)
        ]

    # --- results ------------------------------------------------------------------------

    def add_result(
        self,
        test_id: int,
        payload: Mapping[str, Any],
        *,
        at: datetime,
        by: str,
        supersedes: ResultVersion | None = None,
        reason: str = "",
    ) -> ResultVersion:
        version = 1
        if supersedes is not None:
            version = supersedes.version + 1
            self._s.execute(
                update(lab_result).where(lab_result.c.id == supersedes.id).values(superseded_at=at)
            )
        new_id = self._s.execute(
            insert(lab_result)
            .values(
                lab_test_id=test_id,
                version=version,
                payload=dict(payload),
                resulted_at=at,
                resulted_by=by,
                correction_reason=reason,
            )
            .returning(lab_result.c.id)
        ).scalar_one()
        return ResultVersion(
            new_id, test_id, version, dict(payload), at, by, correction_reason=reason
        )

    def current_result(self, test_id: int) -> ResultVersion | None:
        row = self._s.execute(
            select(lab_result)
            .where(lab_result.c.lab_test_id == test_id, lab_result.c.superseded_at.is_(None))
            .order_by(lab_result.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _result(row)

    def verify_result(self, result_id: int, *, at: datetime, by: str) -> None:
        self._s.execute(
            update(lab_result)
            .where(lab_result.c.id == result_id)
            .values(verified_at=at, verified_by=by)
        )

    def results_for_case(self, case_id: int) -> Sequence[ResultVersion]:
        query = (
            select(lab_result)
            .join(lab_test, lab_test.c.id == lab_result.c.lab_test_id)
            .join(specimen, specimen.c.id == lab_test.c.specimen_id)
            .where(specimen.c.case_id == case_id)
            .order_by(lab_result.c.id)
        )
        return [_result(r) for r in self._s.execute(query)]
