"""How one report version becomes the view a reader sees: the examination date, the
differential and its trend across the patient's reports, and the laboratory result tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.differential import Differential, compute_differential
from marrowscope.domain.counting.reference_ranges import reference_ranges
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import NotFound
from marrowscope.domain.lab import ResultTable, TestState, result_table
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.reporting import ReportVersion, ReportView, TrendPoint
from marrowscope.services.reporting.store import ReportStore
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["Letterhead"]

Letterhead = tuple[str, ...]  # laboratory / institution lines printed at the top of each page


def _examined_on(uow: UnitOfWork, case_id: int) -> date:
    """Day of the procedure, else the day the case was opened.

    The procedure record's payload holds the procedure under ``"procedure"`` (beside its
    warnings); reading ``started_at`` at the top level found nothing and printed the day
    the case was opened as "Examined".
    """
    procedure = uow.pathway.latest(case_id, RecordKind.PROCEDURE)
    body = procedure.payload.get("procedure", {}) if procedure is not None else {}
    if isinstance(body, Mapping) and body.get("started_at"):
        return datetime.fromisoformat(str(body["started_at"])).date()
    case = uow.cases.get(case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case.opened_at.date()


def _differential(counts: Mapping[str, int]) -> Differential | None:
    tally = CellCounts(tuple((CellClass(code), n) for code, n in counts.items()))
    return compute_differential(tally) if tally.nucleated_cells else None


def _blast_percent(counts: Mapping[str, int]) -> float | None:
    diff = _differential(counts)
    return None if diff is None else diff.percent(CellClass("BLA"))


def _trend(uow: UnitOfWork, store: ReportStore, patient_id: int) -> tuple[TrendPoint, ...]:
    """Blast % of the newest signed version of each case of the patient."""
    points = []
    for case in uow.cases.for_patient(patient_id):
        signed = [v for v in store.versions(case.id) if v.is_signed]
        if not signed:
            continue
        blasts = _blast_percent(signed[-1].counts)
        if blasts is not None:
            points.append(TrendPoint(_examined_on(uow, case.id), case.id, blasts))
    return tuple(sorted(points, key=lambda p: p.examined_on))


def _lab_tables(uow: UnitOfWork, case_id: int) -> tuple[ResultTable, ...]:
    """Each verified result of the case as a table (unverified results never print)."""
    tables = []
    for test in uow.pathway.tests_for_case(case_id):
        result = uow.pathway.current_result(test.id)
        if test.state is TestState.VERIFIED and result is not None and result.verified_at:
            tables.append(result_table(test.test_type, result.payload))
    return tuple(tables)


def _range_source() -> str:
    keys = dict.fromkeys(r.source for r in reference_ranges().values())
    return "; ".join(keys)


def _view(
    uow: UnitOfWork,
    store: ReportStore,
    version: ReportVersion,
    letterhead: Letterhead | None = None,
) -> ReportView:
    case = uow.cases.get(version.case_id)
    patient = uow.patients.get(case.patient_id) if case is not None else None
    if case is None or patient is None:
        raise NotFound(f"no case {version.case_id}")
    released = store.released(case.id)
    return ReportView(
        letterhead=letterhead or (),
        range_source=_range_source(),
        lab_results=_lab_tables(uow, case.id),
        report=version,
        patient=patient,
        examined_on=_examined_on(uow, case.id),
        differential=_differential(version.counts),
        trend=_trend(uow, store, patient.id),
        released_at=released.released_at
        if released and released.version == version.version
        else None,
        released_by=released.releaser if released and released.version == version.version else "",
        history=tuple(v for v in store.versions(case.id) if v.version < version.version),
    )
