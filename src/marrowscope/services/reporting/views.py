"""Reading reports: versions, the renderers' read model, stored documents, summaries.

Split from ``services.reporting`` (the writes) so each stays one job; ``services.reporting``
re-exports these names, which is where the web bridge and the exports look.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marrowscope.domain.errors import NotFound, PermissionDenied
from marrowscope.domain.reporting import ReportVersion, ReportView
from marrowscope.domain.reporting.conclusion import exported_conclusion
from marrowscope.domain.roles import Actor, Role
from marrowscope.reports.html import render_html
from marrowscope.reports.patient_summary import render_patient_summary
from marrowscope.reports.pdf import render_pdf
from marrowscope.services.cases import get_case, require_staff
from marrowscope.services.reporting.assembly import Letterhead, _view
from marrowscope.services.reporting.store import ReportStore, _store
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "ROLE_WORDS",
    "ExportedReport",
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
    Role.LAB_MANAGER: "laboratory manager",
}


def _require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"the {actor.role.value} role may not {what}")


def _fields(r: ReportVersion) -> dict[str, object]:
    return {
        "version": r.version,
        "kind": r.kind.value,
        "status": r.status.value,
        "reason": r.reason,
        **({"signature_meaning": r.signature_meaning} if r.signature_meaning else {}),
        **{f"field.{k}": v for k, v in sorted(r.fields.items())},
    }


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
    version = next(v for v in store.versions(case_id) if v.version == released.version)
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
        conclusion=exported_conclusion(signed[-1].get),
        pdf=None if documents is None else documents[1],
        final=True,
        version=signed[-1].version,
    )
