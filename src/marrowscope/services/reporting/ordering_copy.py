"""The signed report's PDF for the clinician who ordered the examination.

The ordering clinician is the report's first reader and files it in their own notes;
they may download the PDF exactly as signed, for their own case only, once a version is
signed (a draft is the pathologist's work in progress, never sent out). Whoever placed
or corrected the case's order in the app counts as its orderer; an order sent by the
hospital's system names its requester in that system's words, which no account here is
matched to, so such a case's PDF reaches the clinician through the hospital's result
feed instead. Every download is audited as a read of the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import NotAllowed, NotFound, PermissionDenied
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import codec, get_case, require_staff
from marrowscope.services.reporting.store import ReportStore, _store
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["ordering_clinician_pdf"]


def _ordered_by(uow: UnitOfWork, case_id: int, username: str) -> bool:
    """Whether ``username`` placed or corrected any version of the case's order."""
    for record in uow.pathway.records(case_id, RecordKind.ORDER):
        if username in (record.recorded_by, codec.order_from(record.payload).ordered_by):
            return True
    return False


@transactional
def ordering_clinician_pdf(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: Callable[[Any], ReportStore] | None = None,
) -> tuple[int, bytes]:
    """The newest signed version's number and PDF bytes, for the case's ordering clinician."""
    require_staff(actor, frozenset({Role.CLINICIAN}))
    get_case(uow, actor, case_id)
    if not _ordered_by(uow, case_id, actor.username):
        raise PermissionDenied(
            f"report: only the clinician who ordered case {case_id} may download its PDF here"
        )
    store = _store(uow, stores)
    signed = [v for v in store.versions(case_id) if v.is_signed]
    if not signed:
        raise NotAllowed(
            f"report: case {case_id} has no signed report yet; the PDF follows sign-out"
        )
    version = signed[-1].version
    documents = store.documents(case_id, version)
    if documents is None:
        raise NotFound(f"case {case_id} has no stored PDF of version {version}")
    record_audit(
        uow, actor, "report", case_id, AuditAction.VIEW, None,
        {"export": "pdf", "version": version, "reader": "ordering clinician"}, case_id=case_id,
    )  # fmt: skip
    uow.commit()
    return version, documents[1]
