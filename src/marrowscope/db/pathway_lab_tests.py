"""SQL rows of lab tests, the events of their state machine, and their results.

Part of ``SqlPathwayRepository``, split out because a test's state only moves by an
optimistic check that also writes an event, and its results, like records, are
superseded by new versions rather than overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from marrowscope.db.pathway_tables import lab_result, lab_test, lab_test_event, specimen
from marrowscope.domain.errors import Conflict
from marrowscope.domain.lab import LabTest, TestState, TestType
from marrowscope.domain.pathway.records import ResultVersion, TestEvent

__all__ = ["LabTestsMixin"]


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


class LabTestsMixin:
    """Tests, their events and results, through the session of ``SqlPathwayRepository``."""

    _s: Session

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
