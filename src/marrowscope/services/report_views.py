"""Reading reports: versions, the renderers' read model, stored documents, summaries.

Split from ``services.reports`` (the writes) so each stays one job; ``services.reports``
re-exports these names, which is where the web bridge and the exports look.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from marrowscope.domain.counts import CellCounts
from marrowscope.domain.differential import Differential, compute_differential
from marrowscope.domain.errors import NotFound, PermissionDenied
from marrowscope.domain.lab_result_table import ResultTable, result_table
from marrowscope.domain.pathway import RecordKind
from marrowscope.domain.reference_ranges import reference_ranges
from marrowscope.domain.report import ReportVersion
from marrowscope.domain.report_view import ReportView, TrendPoint
from marrowscope.domain.roles import Actor, Role
from marrowscope.domain.specimen import TestState
from marrowscope.domain.taxonomy import CellClass
from marrowscope.reports.html import render_html
from marrowscope.reports.patient_summary import render_patient_summary
from marrowscope.reports.pdf import render_pdf
from marrowscope.services.patients import get_case, require_staff
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "ROLE_WORDS",
    "ExportedReport",
    "Letterhead",
    "ReportStore",
    "current_report",
    "get_version",
    "list_versions",
    "patient_summary",
    "report_for_export",
    "report_html",
    "report_pdf",
    "report_view",
    "signed_documents",
]


# The role as printed under a signature (never the enum key).
ROLE_WORDS: Mapping[Role, str] = {
    Role.CLINICIAN: "clinician",
    Role.PROCEDURALIST: "proceduralist",
    Role.NURSE: "nurse",
    Role.LAB_SCIENTIST: "laboratory scientist",
    Role.MORPHOLOGIST: "morphologist",
    Role.PATHOLOGIST: "pathologist",
    Role.PATIENT: "patient",
    Role.ADMIN: "administrator",
}

Letterhead = tuple[str, ...]  # laboratory / institution lines printed at the top of each page


class ReportStore(Protocol):
    """Report versions of cases (``db.report_tables.SqlReportStore``)."""

    def versions(self, case_id: int) -> Sequence[ReportVersion]: ...

    def add(self, report: ReportVersion, *, canonical: bytes | None, pdf: bytes | None) -> int: ...

    def save_draft(self, report: ReportVersion) -> None: ...

    def mark_signed(self, report: ReportVersion, *, canonical: bytes, pdf: bytes) -> None: ...

    def documents(self, case_id: int, version: int) -> tuple[bytes, bytes] | None: ...

    def add_release(self, case_id: int, version: int, *, at: datetime, by: str) -> None: ...

    def released(self, case_id: int) -> tuple[int, datetime, str] | None: ...


def _default_factory() -> Callable[[Any], ReportStore]:
    # The bridge's calls carry no store factory, so the SQL store is the default; it is
    # imported here, not at module level, so that tests can pass another factory.
    from marrowscope.db.report_tables import SqlReportStore

    return SqlReportStore


def _store(uow: UnitOfWork, factory: Callable[[Any], ReportStore] | None) -> ReportStore:
    return uow.bind(factory or _default_factory())


def _require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"the {actor.role.value} role may not {what}")


def _fields(r: ReportVersion) -> dict[str, object]:
    return {
        "version": r.version,
        "kind": r.kind.value,
        "status": r.status.value,
        "reason": r.reason,
        **{f"field.{k}": v for k, v in sorted(r.fields.items())},
    }


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
        released_at=released[1] if released and released[0] == version.version else None,
        released_by=released[2] if released and released[0] == version.version else "",
        history=tuple(v for v in store.versions(case.id) if v.version < version.version),
    )


def list_versions(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> Sequence[ReportVersion]:
    """Every version of the case's report, oldest first (staff only)."""
    require_staff(actor)
    get_case(uow, actor, case_id)
    return _store(uow, stores).versions(case_id)


def current_report(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportVersion | None:
    """The newest version (draft or signed), or None."""
    versions = list_versions(uow, actor, case_id, stores=stores)
    return versions[-1] if versions else None


def get_version(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    version: int,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportVersion:
    """One version by number."""
    for v in list_versions(uow, actor, case_id, stores=stores):
        if v.version == version:
            return v
    raise NotFound(f"case {case_id} has no report version {version}")


def signed_documents(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    version: int,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> tuple[bytes, bytes]:
    """The canonical JSON and PDF bytes exactly as stored when ``version`` was signed."""
    require_staff(actor)
    get_case(uow, actor, case_id)
    documents = _store(uow, stores).documents(case_id, version)
    if documents is None:
        raise NotFound(f"case {case_id} has no signed report version {version}")
    return documents


def report_view(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    version: int | None = None,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportView:
    """The read model the renderers take (newest version unless ``version`` is given)."""
    if version is None:
        found = current_report(uow, actor, case_id, stores=stores)
        if found is None:
            raise NotFound(f"case {case_id} has no report")
    else:
        found = get_version(uow, actor, case_id, version, stores=stores)
    return _view(uow, _store(uow, stores), found)


def report_pdf(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    version: int | None = None,
    *,
    letterhead: Letterhead | None = None,
    stores: Callable[[Any], ReportStore] | None = None,
) -> bytes:
    """The PDF: the stored bytes for a signed version, a fresh rendering for a draft."""
    view = report_view(uow, actor, case_id, version, stores=stores)
    if view.report.is_signed:
        return signed_documents(uow, actor, case_id, view.report.version, stores=stores)[1]
    return render_pdf(_view(uow, _store(uow, stores), view.report, letterhead))


def report_html(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> str | None:
    """The newest version as an HTML fragment, or None without a report."""
    if current_report(uow, actor, case_id, stores=stores) is None:
        return None
    return render_html(report_view(uow, actor, case_id, stores=stores))


def patient_summary(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> str | None:
    """Plain-language summary of the released version; None until one is released."""
    get_case(uow, actor, case_id)  # a patient sees only their own case
    store = _store(uow, stores)
    released = store.released(case_id)
    if released is None:
        return None
    version = next(v for v in store.versions(case_id) if v.version == released[0])
    return render_patient_summary(_view(uow, store, version))


@dataclass(frozen=True, slots=True)
class ExportedReport:
    """What the FHIR/HL7 exports take: the signed conclusion and the signed PDF."""

    conclusion: str
    pdf: bytes | None
    final: bool
    version: int


def report_for_export(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ExportedReport | None:
    """The newest signed version for ``services.interop``; None when none is signed."""
    require_staff(actor)
    store = _store(uow, stores)
    signed = [v for v in store.versions(case_id) if v.is_signed]
    if not signed:
        return None
    documents = store.documents(case_id, signed[-1].version)
    return ExportedReport(
        conclusion=signed[-1].conclusion,
        pdf=None if documents is None else documents[1],
        final=True,
        version=signed[-1].version,
    )
