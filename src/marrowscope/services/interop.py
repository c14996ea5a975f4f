"""Exchange with hospital systems: a case out as FHIR R4 or HL7 v2.5.1, a CBC in.

The adapters in ``interop/`` only translate; this module gathers what they need (the
case read back whole, the differential of the saved slide counts, the conclusion and,
when the report service offers one, the PDF) and writes imported counts through
``pathway.record_cbc``, so an import is checked, audited and committed exactly like a
count typed in by hand. A message is read completely before anything is written, and
the write is one transaction: a malformed message never leaves part of itself behind.
"""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.case import CaseStatus
from marrowscope.domain.counts import CellCounts
from marrowscope.domain.differential import Differential, compute_differential
from marrowscope.domain.errors import InvalidMessage, MarrowscopeError, NotFound
from marrowscope.domain.pathway import CaseRecord
from marrowscope.domain.roles import Actor, Role
from marrowscope.domain.slide_counts import CountStatus
from marrowscope.domain.specimen import TestType
from marrowscope.interop import fhir, hl7v2
from marrowscope.interop.codes import CaseExport, CbcImport
from marrowscope.services import slide_counts as counting
from marrowscope.services.audit import record_audit
from marrowscope.services.case_views import CbcOutcome, load_case_record
from marrowscope.services.pathway import record_cbc
from marrowscope.services.patients import require_staff
from marrowscope.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from marrowscope.services.users import AccountStores

__all__ = [
    "HL7_INTERFACE",
    "HL7Import",
    "ReportDocument",
    "case_export",
    "export_case_fhir",
    "export_case_hl7",
    "import_fhir_cbc",
    "import_hl7_cbc",
]

EXPORTERS = frozenset(
    {Role.PATHOLOGIST, Role.MORPHOLOGIST, Role.LAB_SCIENTIST, Role.CLINICIAN, Role.ADMIN}
)
# The identity an interface engine writes under (a CBC is clinical data: clinician rights).
HL7_INTERFACE = Actor("hl7-interface", Role.CLINICIAN)


def _differential(
    uow: UnitOfWork, stores: AccountStores | None, actor: Actor, case_id: int
) -> Differential | None:
    """The differential of the case's saved slide counts, merged; None when none is saved."""
    if stores is None:
        return None
    # the exporter was authorised by EXPORTERS; a clinician may not open the counter, but
    # the saved differential is part of the result they receive, so it is read for them
    reader = actor if actor.role in counting.READING_ROLES else Actor(actor.username, Role.ADMIN)
    saved = [
        c
        for c in counting.counts_for_case(uow, stores, reader, case_id)
        if c.status is CountStatus.SAVED
    ]
    if not saved:
        return None
    tally = CellCounts(tuple(counting.merged_counts(saved).items()))
    if tally.nucleated_cells == 0:
        return None
    return compute_differential(tally)


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


class ReportDocument(Protocol):
    """What an export takes from the signed report, when the report service has one."""

    conclusion: str
    pdf: bytes | None
    final: bool


@dataclass(frozen=True, slots=True)
class _SignedReport:
    conclusion: str
    pdf: bytes | None
    final: bool
    counts: Mapping[str, int] | None = None


def _snapshot(
    reports: Any, uow: UnitOfWork, actor: Actor, case_id: int, found: object
) -> Mapping[str, int] | None:
    """The counts the exported version was signed on (``get_version(...).counts``)."""
    version = getattr(found, "version", None)
    get_version = getattr(reports, "get_version", None)
    if not isinstance(version, int) or get_version is None:
        return None
    counts = getattr(get_version(uow, actor, case_id, version), "counts", None)
    return dict(counts) if counts else None


def _signed_report(uow: UnitOfWork, actor: Actor, case_id: int) -> _SignedReport | None:
    """The signed report of the case, looked up lazily in ``services.reports``.

    The reports area is optional to this module (it may not be installed). In order:
    ``report_for_export(uow, actor, case_id)`` returning a ``ReportDocument`` (or None);
    else ``current_report(uow, actor, case_id)``: when that version is signed, its
    conclusion, its counts snapshot (so the export shows the differential the report was
    signed on) and, if ``report_pdf(uow, actor, case_id)`` exists, the stored PDF.
    A draft is not exported as the conclusion: the verified result texts are used instead.
    """
    try:
        reports = importlib.import_module("marrowscope.services.reports")
    except ImportError:
        return None
    document = getattr(reports, "report_for_export", None)
    if document is not None:
        found = cast("ReportDocument | None", document(uow, actor, case_id))
        if found is None:
            return None
        return _SignedReport(
            found.conclusion, found.pdf, found.final, _snapshot(reports, uow, actor, case_id, found)
        )
    current = getattr(reports, "current_report", None)
    if current is None:
        return None
    report = current(uow, actor, case_id)
    if report is None or not getattr(report, "is_signed", False):
        return None
    pdf_of = getattr(reports, "report_pdf", None)
    pdf = pdf_of(uow, actor, case_id) if pdf_of is not None else None
    counts = getattr(report, "counts", None)
    return _SignedReport(
        conclusion=str(getattr(report, "conclusion", "")),
        pdf=pdf if isinstance(pdf, bytes) else None,
        final=True,
        counts=dict(counts) if counts else None,
    )


def case_export(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    stores: AccountStores | None = None,
    pdf: bytes | None = None,
    conclusion: str | None = None,
    final: bool = False,
) -> CaseExport:
    """Everything an export carries, read in this unit of work (nothing is written).

    An explicit ``pdf``/``conclusion`` wins; else the signed report's (when the report
    service provides one); else the verified morphology and trephine texts, preliminary.
    """
    require_staff(actor, EXPORTERS)
    record = load_case_record(uow, actor, case_id)
    report = _signed_report(uow, actor, case_id)
    differential = None
    if report is not None:
        conclusion = report.conclusion if conclusion is None else conclusion
        pdf = report.pdf if pdf is None else pdf
        final = final or report.final
        if report.counts:
            differential = _differential_of(report.counts)
    return CaseExport(
        record=record,
        differential=differential or _differential(uow, stores, actor, case_id),
        conclusion=_conclusion(record) if conclusion is None else conclusion,
        generated_at=uow.now(),
        pdf=pdf,
        final=final,
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
) -> dict[str, Any]:
    """The case as a validated FHIR R4 Bundle (JSON-ready dict); the export is audited."""
    bundle = fhir.case_bundle(case_export(uow, actor, case_id, stores=stores, pdf=pdf))
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
) -> str:
    """The report as an HL7 v2.5.1 ORU^R01 (ER7 text); the export is audited."""
    export = case_export(uow, actor, case_id, stores=stores, pdf=pdf)
    control = f"MS{case_id}-{uuid.uuid4().hex[:10]}"
    text = hl7v2.oru_report(export, control_id=control, receiving=receiving)
    _audit_export(uow, actor, case_id, "hl7v2")
    return text


def _check_patient(uow: UnitOfWork, case_id: int, mrn: str) -> None:
    """A count sent for another patient than the case's is refused, never filed."""
    if not mrn:
        return
    case = uow.cases.get(case_id)
    patient = uow.patients.get(case.patient_id) if case is not None else None
    if patient is not None and patient.mrn != mrn:
        raise InvalidMessage(
            f"the message is for patient {mrn}, not the patient of case {case_id}", code="204"
        )


def import_fhir_cbc(
    uow: UnitOfWork, actor: Actor, case_id: int, data: Mapping[str, Any] | str
) -> CbcOutcome:
    """Record the CBC Observations of a FHIR Bundle (or Observation) on a case."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise InvalidMessage(f"FHIR: not JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(data, Mapping):
        raise InvalidMessage("FHIR: expected a JSON object (a Bundle or an Observation)")
    cbc = fhir.cbc_from_fhir(data)
    _check_patient(uow, case_id, fhir.patient_mrn(data))
    return _record(uow, actor, case_id, cbc)


def _record(uow: UnitOfWork, actor: Actor, case_id: int, cbc: CbcImport) -> CbcOutcome:
    return record_cbc(
        uow,
        actor,
        case_id,
        collected_at=cbc.collected_at,
        measurements=cbc.measurements,
        laboratory=cbc.laboratory,
    )


@dataclass(frozen=True, slots=True)
class HL7Import:
    """What an HL7 import did: the ACK to send back, and the count when one was filed."""

    ack: str
    accepted: bool
    case_id: int | None
    error: str = ""
    outcome: CbcOutcome | None = None


def _case_for(uow: UnitOfWork, mrn: str) -> int:
    patient = uow.patients.by_mrn(mrn)
    if patient is None:
        raise InvalidMessage(f"PID-3: no patient with MRN {mrn}", code="204")
    open_cases = [c for c in uow.cases.for_patient(patient.id) if c.status is CaseStatus.OPEN]
    if not open_cases:
        raise InvalidMessage(f"PID-3: patient {mrn} has no open case", code="204")
    return max(open_cases, key=lambda c: (c.opened_at, c.id)).id


def import_hl7_cbc(
    uow: UnitOfWork,
    text: str,
    *,
    actor: Actor = HL7_INTERFACE,
    case_id: int | None = None,
) -> HL7Import:
    """Read an ORU^R01 CBC and file it on the patient's open case; always answers an ACK.

    The case is ``case_id`` when given (its patient must match PID-3), else the newest
    open case of the patient named in PID-3. Any refusal rolls the unit back and answers
    AE (content refused) or AR (message not taken) with the reason in MSA-3 and ERR-8.
    """
    control = f"ACK-{uuid.uuid4().hex[:12]}"
    try:
        cbc = hl7v2.read_cbc_oru(text)
        target = case_id if case_id is not None else _case_for(uow, cbc.patient_mrn)
        if uow.cases.get(target) is None:
            raise NotFound(f"no case {target}")
        _check_patient(uow, target, cbc.patient_mrn)
        outcome = _record(uow, actor, target, cbc)
    except MarrowscopeError as error:
        uow.rollback()
        return HL7Import(
            ack=hl7v2.ack(text, control_id=control, at=uow.now(), error=error),
            accepted=False,
            case_id=case_id,
            error=str(error),
        )
    return HL7Import(
        ack=hl7v2.ack(text, control_id=control, at=uow.now()),
        accepted=True,
        case_id=target,
        outcome=outcome,
    )
