"""A case out to hospital systems, as FHIR R4 or HL7 v2.5.1.

The adapters in ``interop/`` only translate; this module gathers what they need (the
case read back whole, the differential of the saved slide counts, the conclusion and,
when the report service offers one, the PDF) and audits each export, since an export
discloses the patient's record. Kept apart from ``services.interop`` because
exporting only reads the case, while importing writes to it. Re-exported by
``services.interop``, so ``interop.export_case_fhir`` keeps working. The signer goes out
as a person: the name they signed under and, when their account holds one, their
provider identifier; the hospital's identifier systems come in as an ``ExportSite``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.differential import Differential, compute_differential
from marrowscope.domain.counting.slide_counts import CountStatus, SlideCount
from marrowscope.domain.lab import TestType
from marrowscope.domain.pathway.records import CaseRecord
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop import fhir, hl7v2
from marrowscope.interop.codes import CaseExport, ExportSite
from marrowscope.services import counting
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import load_case_record, require_staff
from marrowscope.services.interop.signed_report import signed_report
from marrowscope.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from marrowscope.services.account_stores import AccountStores

__all__ = ["EXPORTERS", "case_export", "export_case_fhir", "export_case_hl7"]

EXPORTERS = frozenset(
    {Role.PATHOLOGIST, Role.MORPHOLOGIST, Role.LAB_SCIENTIST, Role.CLINICIAN, Role.ADMIN}
)


def _saved_counts(
    uow: UnitOfWork, stores: AccountStores | None, actor: Actor, case_id: int
) -> list[SlideCount]:
    """The case's saved slide counts; none without the account stores."""
    if stores is None:
        return []
    # the exporter was authorised by EXPORTERS; a clinician may not open the counter, but
    # the saved differential is part of the result they receive, so it is read for them
    reader = actor if actor.role in counting.READING_ROLES else Actor(actor.username, Role.ADMIN)
    return [
        c
        for c in counting.counts_for_case(uow, stores, reader, case_id)
        if c.status is CountStatus.SAVED
    ]


def _differential(saved: Sequence[SlideCount]) -> Differential | None:
    """The differential of the saved slide counts, merged; None when none is saved."""
    if not saved:
        return None
    tally = CellCounts(tuple(counting.merged_counts(list(saved)).items()))
    if tally.nucleated_cells == 0:
        return None
    return compute_differential(tally)


def _counted_at(saved: Sequence[SlideCount], signed_at: datetime | None) -> datetime | None:
    """When the exported differential was counted: the last save of a slide count, and
    for a signed report the last one before its sign-out (a later count is not in it)."""
    times = [c.updated_at for c in saved if signed_at is None or c.updated_at <= signed_at]
    return max(times, default=signed_at)


def _differential_of(counts: Mapping[str, int]) -> Differential | None:
    """The differential of a signed report's counts snapshot (cell code -> number)."""
    tally = CellCounts.of(dict(counts))
    return compute_differential(tally) if tally.nucleated_cells else None


def _conclusion(record: CaseRecord) -> str:
    """Verified morphology and trephine texts, until a signed report provides one."""
    parts = []
    for wanted in (TestType.SMEAR_MORPHOLOGY, TestType.TREPHINE_HISTOLOGY):
        for test in record.tests:
            if test.test_type is not wanted:
                continue
            result = record.current_result(test.id)
            if result is not None and result.verified_at is not None:
                text = str(result.payload.get("text", "")).strip()
                if text:
                    parts.append(text)
    return " ".join(parts)


def _signer(
    uow: UnitOfWork, stores: AccountStores | None, username: str, name: str
) -> dict[str, str]:
    """The signer as a person: the name signed under (their account's name when they
    signed under their login alone) and the account's provider identifier and type; the
    name alone without the stores."""
    found = uow.bind(stores.users).by_username(username) if stores and username else None
    if found is None:
        return {"signer_name": name}
    user = found[0]
    return {
        "signer_name": name if name and name != username else user.display_name,
        "signer_id": user.provider_id,
        "signer_id_type": user.provider_id_type,
    }


def case_export(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: AccountStores | None = None,
    pdf: bytes | None = None,
    conclusion: str | None = None,
    final: bool = False,
    site: ExportSite | None = None,
) -> CaseExport:
    """Everything an export carries, read in this unit of work (nothing is written).

    An explicit ``pdf``/``conclusion`` wins; else the signed report's (when the report
    service provides one); else the verified morphology and trephine texts, preliminary.
    """
    require_staff(actor, EXPORTERS)
    record = load_case_record(uow, actor, case_id)
    report = signed_report(uow, actor, case_id)
    differential = None
    saved = _saved_counts(uow, stores, actor, case_id)
    signed: dict[str, Any] = {}
    if report is not None:
        signed = {
            "kind": report.kind,
            "signed_at": report.signed_at,
            "signed_by": report.signed_by,
            "risk_scores": report.risk_scores,
            "diagnosis_codes": {"icd10": report.icd10, "icdo3": report.icdo3},
            "addendum": report.addendum,
            **_signer(uow, stores, report.signed_by, report.signer_name),
        }
        conclusion = report.conclusion if conclusion is None else conclusion
        pdf = report.pdf if pdf is None else pdf
        final = final or report.final
        if report.counts:
            differential = _differential_of(report.counts)
    return CaseExport(
        record=record,
        differential=differential or _differential(saved),
        conclusion=_conclusion(record) if conclusion is None else conclusion,
        generated_at=uow.now(),
        counted_at=_counted_at(saved, signed.get("signed_at")),
        pdf=pdf,
        final=final,
        site=site or ExportSite(),
        **signed,
    )


def _audit_export(uow: UnitOfWork, actor: Actor, case_id: int, what: str) -> None:
    # an export discloses the patient's record: who took it and in which form is kept
    record_audit(
        uow, actor, "case", case_id, AuditAction.VIEW, None, {"export": what}, case_id=case_id
    )
    uow.commit()


def export_case_fhir(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: AccountStores | None = None,
    pdf: bytes | None = None,
    site: ExportSite | None = None,
) -> dict[str, Any]:
    """The case as a validated FHIR R4 Bundle (JSON-ready dict); the export is audited."""
    bundle = fhir.case_bundle(case_export(uow, actor, case_id, stores=stores, pdf=pdf, site=site))
    _audit_export(uow, actor, case_id, "fhir")
    return bundle


def export_case_hl7(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: AccountStores | None = None,
    pdf: bytes | None = None,
    receiving: str = "HIS",
    facility: str = hl7v2.APP,
    site: ExportSite | None = None,
) -> str:
    """The report as an HL7 v2.5.1 ORU^R01 (ER7 text); the export is audited."""
    export = case_export(uow, actor, case_id, stores=stores, pdf=pdf, site=site)
    control = f"MS{case_id}-{uuid.uuid4().hex[:10]}"
    text = hl7v2.oru_report(
        export, control_id=control, receiving=receiving, facility=facility or hl7v2.APP
    )
    _audit_export(uow, actor, case_id, "hl7v2")
    return text
