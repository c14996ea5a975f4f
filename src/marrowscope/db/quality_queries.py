"""The raw rows the quality dashboard summarises, read in one unit of work.

Kept apart from the capabilities' own repositories because the dashboard reads across
them (tests, reports, cell calls, the audit log) and writes nothing; each method returns
the domain's plain values (``domain.quality``) so the figures are computed in the domain.
Aggregation is done in Python over the selected rows: a laboratory's year is tens of
thousands of rows, which this reads in well under a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marrowscope.db.ai_review_tables import ai_cell_calls
from marrowscope.db.core_tables import audit_log
from marrowscope.db.pathway_tables import clinical_record, lab_result, lab_test, specimen
from marrowscope.db.report_tables import report_release, report_version
from marrowscope.domain.quality import CaseTimes, Decision, SignedVersion, TestTimes

__all__ = ["SqlQualityRows"]

_DECIDED = ("confirmed", "corrected")


def _first(values: Sequence[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


class SqlQualityRows:
    """Read-only rows for the dashboard on one unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def _results(self) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = defaultdict(list)
        query = select(lab_result.c.lab_test_id, lab_result.c.resulted_at, lab_result.c.verified_at)
        for r in self._s.execute(query):
            out[r.lab_test_id].append(r)
        return out

    def test_times(self) -> list[TestTimes]:
        """Every test with its first result and first verification."""
        results = self._results()
        columns = (
            lab_test.c.id, lab_test.c.test_type, lab_test.c.ordered_at, lab_test.c.received_at,
            specimen.c.case_id,
        )  # fmt: skip
        query = (
            select(*columns)
            .join(specimen, specimen.c.id == lab_test.c.specimen_id)
            .order_by(lab_test.c.id)
        )
        return [
            TestTimes(
                r.id,
                r.case_id,
                r.test_type,
                r.ordered_at,
                r.received_at,
                _first([x.resulted_at for x in results[r.id]]),
                _first([x.verified_at for x in results[r.id]]),
            )  # fmt: skip
            for r in self._s.execute(query)
        ]

    def case_times(self) -> list[CaseTimes]:
        """Every case with a signed report: receipt, first signature, release, last
        verification at or before that signature."""
        signed: dict[int, datetime] = {}
        for r in self._s.execute(
            select(report_version.c.case_id, report_version.c.signed_at).where(
                report_version.c.signed_at.is_not(None)
            )
        ):
            signed[r.case_id] = min(r.signed_at, signed.get(r.case_id, r.signed_at))
        released: dict[int, datetime] = {}
        for r in self._s.execute(select(report_release.c.case_id, report_release.c.released_at)):
            released[r.case_id] = min(r.released_at, released.get(r.case_id, r.released_at))
        received: dict[int, list[datetime | None]] = defaultdict(list)
        for r in self._s.execute(select(specimen.c.case_id, specimen.c.received_at)):
            received[r.case_id].append(r.received_at)
        verified: dict[int, list[datetime]] = defaultdict(list)
        for t in self.test_times():
            if t.verified_at is not None:
                verified[t.case_id].append(t.verified_at)
        out = []
        for case_id, at in sorted(signed.items()):
            before = [v for v in verified[case_id] if v <= at]
            out.append(
                CaseTimes(
                    case_id,
                    _first(received[case_id]),
                    at,
                    released.get(case_id),
                    max(before) if before else None,
                )  # fmt: skip
            )
        return out

    def signed_versions(self) -> list[SignedVersion]:
        """Every signed report version, with its kind and reason."""
        query = (
            select(
                report_version.c.case_id,
                report_version.c.version,
                report_version.c.kind,
                report_version.c.signed_at,
                report_version.c.reason,
            )  # fmt: skip
            .where(report_version.c.signed_at.is_not(None))
            .order_by(report_version.c.signed_at, report_version.c.id)
        )
        return [
            SignedVersion(r.case_id, r.version, r.kind, r.signed_at, r.reason or "")
            for r in self._s.execute(query)
        ]

    def model_pairs(self) -> list[tuple[datetime, str, str]]:
        """(decided at, model's code, person's code) of every cell decided with a class."""
        query = select(
            ai_cell_calls.c.decided_at, ai_cell_calls.c.model_code, ai_cell_calls.c.final_code
        ).where(ai_cell_calls.c.state.in_(_DECIDED), ai_cell_calls.c.final_code.is_not(None))
        return [(r.decided_at, r.model_code, r.final_code) for r in self._s.execute(query)]

    def decisions(self) -> list[Decision]:
        """Every audited decision on a cell, with the code it left (the audit entry keeps
        only changed fields, so an unchanged code is carried from the one before)."""
        query = (
            select(
                audit_log.c.entity_id,
                audit_log.c.at,
                audit_log.c.actor_username,
                audit_log.c.changes,
            )  # fmt: skip
            .where(audit_log.c.entity == "ai_cell_call", audit_log.c.action == "transition")
            .order_by(audit_log.c.seq)
        )
        code: dict[int, str | None] = {}
        out = []
        for r in self._s.execute(query):
            call_id = int(r.entity_id)
            changes: Mapping[str, Any] = r.changes or {}
            if "final_code" in changes:
                code[call_id] = changes["final_code"].get("new")
            out.append(Decision(call_id, r.at, r.actor_username, code.get(call_id)))
        return out

    def latest_counts(self) -> list[tuple[int, Mapping[str, Any], datetime]]:
        """(case id, payload, recorded at) of each case's newest current blood count."""
        query = (
            select(
                clinical_record.c.case_id, clinical_record.c.payload, clinical_record.c.recorded_at
            )  # fmt: skip
            .where(clinical_record.c.kind == "cbc", clinical_record.c.superseded_at.is_(None))
            .order_by(clinical_record.c.recorded_at, clinical_record.c.id)
        )
        newest = {r.case_id: (r.case_id, r.payload, r.recorded_at) for r in self._s.execute(query)}
        return [newest[k] for k in sorted(newest)]
