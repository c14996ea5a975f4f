"""Read models of the pathway: a case read back whole, case lists with their stage, a
count's flags, and a case's audit history. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from marrowscope.domain.audit import AuditEntry
from marrowscope.domain.cases.model import Case, CaseStatus, Patient
from marrowscope.domain.errors import NotFound
from marrowscope.domain.pathway.cbc import CbcFlag, evaluate
from marrowscope.domain.pathway.indication import IndicationSuggestion, suggest_indications
from marrowscope.domain.pathway.records import CaseRecord, CaseStage, StoredRecord, stage_of
from marrowscope.domain.roles import Actor
from marrowscope.services.cases import codec
from marrowscope.services.cases.patients import get_case, list_cases, require_staff
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "CaseOverview",
    "CbcOutcome",
    "case_history",
    "case_overviews",
    "cbc_outcome",
    "load_case_record",
]


@dataclass(frozen=True, slots=True)
class CbcOutcome:
    """The stored count, its comparison with reference intervals, suggested indications."""

    record: StoredRecord
    flags: list[CbcFlag]
    suggestions: list[IndicationSuggestion]


def cbc_outcome(uow: UnitOfWork, actor: Actor, record: StoredRecord) -> CbcOutcome:
    """Flags and suggestions of a stored count (for display)."""
    _case = get_case(uow, actor, record.case_id)
    patient = uow.patients.get(_case.patient_id)
    if patient is None:
        raise NotFound("no patient")
    flags = evaluate(codec.cbc_from(record.payload), patient.sex)
    return CbcOutcome(record, flags, suggest_indications(flags))


def load_case_record(uow: UnitOfWork, actor: Actor, case_id: int) -> CaseRecord:
    """The whole case in one value: patient, every record version, specimens, tests,
    test history and result versions.

    A patient user sees only their own case, and of its results only the current,
    verified versions: an unverified or superseded result is not released to them.
    """
    case = get_case(uow, actor, case_id)
    patient = uow.patients.get(case.patient_id)
    if patient is None:
        raise NotFound(f"no patient for case {case_id}")
    records = uow.pathway.records(case_id)
    tests = uow.pathway.tests_for_case(case_id)
    results = uow.pathway.results_for_case(case_id)
    if not actor.is_staff:
        results = [r for r in results if r.verified_at is not None and r.superseded_at is None]
    return CaseRecord(
        patient=patient,
        case=case,
        records=records,
        specimens=uow.pathway.specimens(case_id),
        tests=tests,
        events=uow.pathway.events_for_case(case_id),
        results=results,
        stage=stage_of(records, tests),
    )


@dataclass(frozen=True, slots=True)
class CaseOverview:
    """One line of a case list: the case, its patient and how far it has got."""

    case: Case
    patient: Patient
    stage: CaseStage


def case_overviews(
    uow: UnitOfWork, actor: Actor, *, status: CaseStatus | None = None
) -> list[CaseOverview]:
    """Cases newest first with patient and stage (a patient user gets only their own)."""
    out = []
    for case in list_cases(uow, actor, status=status):
        patient = uow.patients.get(case.patient_id)
        if patient is None:
            continue
        stage = stage_of(uow.pathway.records(case.id), uow.pathway.tests_for_case(case.id))
        out.append(CaseOverview(case, patient, stage))
    return out


def case_history(uow: UnitOfWork, actor: Actor, case_id: int) -> Sequence[AuditEntry]:
    """Every audited change of a case, oldest first (staff only: it names the staff)."""
    require_staff(actor)
    get_case(uow, actor, case_id)
    return uow.audit.for_case(case_id)
