"""The patient's next marrow: the key figures beside the previous examination's, and
the response category the repeat marrow is consistent with.

Nothing is stored, as for the diagnosis panel: both are recomputed from the cases'
records and slides each time they are shown. The earlier cases are read with the same
rights as the current one (those who may read the whole work-up).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from marrowscope.domain.cases.model import Case
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.diagnosis.response.comparison import KeyFigure, compare_examinations
from marrowscope.domain.diagnosis.response.criteria import ResponseAssessment
from marrowscope.domain.diagnosis.response.examination import Examination
from marrowscope.domain.diagnosis.response.from_case import examination_of
from marrowscope.domain.diagnosis.response.proposal import propose_response
from marrowscope.domain.errors import NotAllowed, PermissionDenied
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.cases import earlier_cases, load_case_record
from marrowscope.services.counting import counts_for_case, merged_counts
from marrowscope.services.diagnosis.case_diagnosis import DIAGNOSIS_ROLES
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["Followup", "ReportOf", "case_followup", "case_response"]

# a case's report as the caller reads it: (fields, counts) or None without a report
ReportOf = Callable[[int], tuple[Mapping[str, str], Mapping[str, int] | None] | None]


@dataclass(frozen=True)
class Followup:
    """The previous examination (None for a first marrow), the key figures beside it,
    and the response proposed, or in ``refusal`` why none can be."""

    previous: Case | None
    figures: tuple[KeyFigure, ...]
    response: ResponseAssessment | None
    refusal: str = ""


def _examined_on(payload: Mapping[str, object] | None, fallback: date) -> date:
    body = payload.get("procedure") if payload else None
    if isinstance(body, Mapping) and body.get("started_at"):
        return date.fromisoformat(str(body["started_at"])[:10])
    return fallback


def _examination(
    uow: UnitOfWork, stores: AccountStores, actor: Actor, case_id: int, report_of: ReportOf | None
) -> Examination:
    record = load_case_record(uow, actor, case_id)
    slides = counts_for_case(uow, stores, actor, case_id)
    counts: Mapping[CellClass, int] | None = merged_counts(slides) if slides else None
    report = report_of(case_id) if report_of is not None else None
    fields = report[0] if report else None
    if not counts and report and report[1]:
        counts = {CellClass(code): int(n) for code, n in report[1].items()}
    procedure = record.latest(RecordKind.PROCEDURE)
    on = _examined_on(procedure.payload if procedure else None, record.case.opened_at.date())
    return examination_of(record, counts, fields, on)


def _history(
    uow: UnitOfWork, stores: AccountStores, actor: Actor, case_id: int, report_of: ReportOf | None
) -> tuple[Sequence[Case], list[Examination], Examination]:
    if actor.role not in DIAGNOSIS_ROLES:
        raise PermissionDenied("the comparison is for the laboratory and pathologist")
    cases = earlier_cases(uow, actor, case_id)
    earlier = [_examination(uow, stores, actor, c.id, report_of) for c in cases]
    return cases, earlier, _examination(uow, stores, actor, case_id, report_of)


def case_response(
    uow: UnitOfWork,
    stores: AccountStores,
    actor: Actor,
    case_id: int,
    *,
    report_of: ReportOf | None = None,
) -> ResponseAssessment:
    """The response category ``case_id`` is consistent with; ``NotAllowed`` when no
    earlier examination of the patient holds a diagnosis to respond to."""
    _cases, earlier, current = _history(uow, stores, actor, case_id, report_of)
    return propose_response(current, earlier)


def case_followup(
    uow: UnitOfWork,
    stores: AccountStores,
    actor: Actor,
    case_id: int,
    *,
    report_of: ReportOf | None = None,
) -> Followup:
    """The comparison with the previous examination and the response, for the page."""
    cases, earlier, current = _history(uow, stores, actor, case_id, report_of)
    if not cases:
        return Followup(None, (), None, "This is the patient's first examination.")
    figures = compare_examinations(earlier[-1], current)
    try:
        return Followup(cases[-1], figures, propose_response(current, earlier))
    except NotAllowed as refusal:
        return Followup(cases[-1], figures, None, str(refusal).removeprefix("response: "))
