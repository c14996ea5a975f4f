"""Report use cases: draft, sign-out, amendment and addendum, release, reading versions.

The web app calls these through ``web.report_bridge``; the exports call
``report_for_export``. Every write is audited in the same unit of work. Signing stores the
version's canonical JSON and its rendered PDF; those bytes are never rewritten, so the
original of an amended report is retrievable exactly as it was signed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marrowscope.domain import report as model
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import NotFound
from marrowscope.domain.report import ReportKind, ReportVersion
from marrowscope.domain.report_prefill import prefill_fields
from marrowscope.domain.report_view import canonical_json
from marrowscope.domain.roles import Actor, Role
from marrowscope.domain.taxonomy import CellClass
from marrowscope.reports.pdf import render_pdf
from marrowscope.services.audit import record_audit
from marrowscope.services.case_views import load_case_record
from marrowscope.services.patients import get_case
from marrowscope.services.report_views import (
    ExportedReport,
    ReportStore,
    _fields,
    _require,
    _store,
    _view,
    current_report,
    get_version,
    list_versions,
    patient_summary,
    report_for_export,
    report_html,
    report_pdf,
    report_view,
    signed_documents,
)
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = [
    "ExportedReport",
    "ReportStore",
    "addend_report",
    "amend_report",
    "current_report",
    "get_version",
    "list_versions",
    "patient_summary",
    "release_report",
    "report_for_export",
    "report_html",
    "report_pdf",
    "report_view",
    "save_draft",
    "sign_report",
    "signed_documents",
]

DRAFTERS = frozenset({Role.PATHOLOGIST, Role.MORPHOLOGIST})
SIGNERS = frozenset({Role.PATHOLOGIST})


@transactional
def save_draft(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    fields: Mapping[str, str],
    *,
    counts: Mapping[CellClass, int] | Mapping[str, int] | None = None,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportVersion:
    """Create the draft, or change its fields; ``counts`` replaces the differential snapshot.

    A new draft starts from ``domain.report_prefill`` (order, verified results, tests
    pending); the given ``fields`` win over the prefilled text.

    A signed report refuses (``ImmutableRecord``): it changes by amendment only.
    """
    _require(actor, DRAFTERS, "write a report")
    get_case(uow, actor, case_id)
    store = _store(uow, stores)
    versions = store.versions(case_id)
    snapshot = (
        None if counts is None else {CellClass(c).value: int(n) for c, n in counts.items() if n}
    )
    if not versions:
        # the first draft starts from the order and the verified results already filed
        start = {**prefill_fields(load_case_record(uow, actor, case_id)), **fields}
        draft = model.new_draft(case_id, start, snapshot or {}, by=actor.username, at=uow.now())
        store.add(draft, canonical=None, pdf=None)
        record_audit(
            uow, actor, "report", case_id, AuditAction.CREATE, None, _fields(draft),
            case_id=case_id,
        )  # fmt: skip
    else:
        old = versions[-1]
        draft = model.update_draft(old, fields)
        if snapshot is not None:
            draft = model.replace_counts(draft, snapshot)
        store.save_draft(draft)
        record_audit(
            uow, actor, "report", case_id, AuditAction.UPDATE, _fields(old), _fields(draft),
            case_id=case_id,
        )  # fmt: skip
    uow.commit()
    return draft


def _freeze(uow: UnitOfWork, store: ReportStore, version: ReportVersion) -> tuple[bytes, bytes]:
    view = _view(uow, store, version)
    return canonical_json(view), render_pdf(view)


@transactional
def sign_report(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportVersion:
    """Sign the draft out (pathologists only); stores its canonical JSON and PDF."""
    _require(actor, SIGNERS, "sign a report")
    get_case(uow, actor, case_id)
    store = _store(uow, stores)
    versions = store.versions(case_id)
    if not versions:
        raise NotFound(f"case {case_id} has no report draft")
    signed = model.sign(versions[-1], by=actor.username, at=uow.now())
    canonical, pdf = _freeze(uow, store, signed)
    store.mark_signed(signed, canonical=canonical, pdf=pdf)
    record_audit(
        uow, actor, "report", case_id, AuditAction.TRANSITION, _fields(versions[-1]),
        _fields(signed), case_id=case_id,
    )  # fmt: skip
    uow.commit()
    return signed


def _new_version(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    kind: ReportKind,
    fields: Mapping[str, str],
    reason: str,
    stores: Callable[[Any], ReportStore] | None,
) -> ReportVersion:
    _require(actor, SIGNERS, f"write an {kind.value}")
    get_case(uow, actor, case_id)
    store = _store(uow, stores)
    versions = store.versions(case_id)
    if not versions:
        raise NotFound(f"case {case_id} has no report")
    new = model.amend(versions[-1], kind, fields, reason=reason, by=actor.username, at=uow.now())
    canonical, pdf = _freeze(uow, store, new)
    store.add(new, canonical=canonical, pdf=pdf)
    record_audit(
        uow, actor, "report", case_id, AuditAction.SUPERSEDE, _fields(versions[-1]),
        _fields(new), case_id=case_id,
    )  # fmt: skip
    uow.commit()
    return new


@transactional
def amend_report(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    fields: Mapping[str, str],
    *,
    reason: str,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportVersion:
    """A signed amendment: a new version with changed fields, its reason, author, time."""
    return _new_version(uow, actor, case_id, ReportKind.AMENDMENT, fields, reason, stores)


@transactional
def addend_report(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    text: str,
    *,
    reason: str,
    pending_tests: str | None = None,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportVersion:
    """A signed addendum (supplementary report), e.g. a pending test's result."""
    fields = {"addendum": text}
    if pending_tests is not None:
        fields["pending_tests"] = pending_tests
    return _new_version(uow, actor, case_id, ReportKind.ADDENDUM, fields, reason, stores)


@transactional
def release_report(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> int:
    """Release the newest signed version to the patient (a recorded step); its number."""
    _require(actor, SIGNERS, "release a report")
    get_case(uow, actor, case_id)
    store = _store(uow, stores)
    signed = [v for v in store.versions(case_id) if v.is_signed]
    if not signed:
        raise NotFound(f"case {case_id} has no signed report to release")
    store.add_release(case_id, signed[-1].version, at=uow.now(), by=actor.username)
    record_audit(
        uow, actor, "report", case_id, AuditAction.TRANSITION, None,
        {"released_version": signed[-1].version}, case_id=case_id,
    )  # fmt: skip
    uow.commit()
    return signed[-1].version
