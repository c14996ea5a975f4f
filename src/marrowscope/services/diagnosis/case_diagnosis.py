"""The integrated-diagnosis panel of one case, read from what the case holds now.

Nothing is stored: the panel is recomputed from the record, the slides counted and the
pathologist's draft each time it is shown, so it can never lag behind a corrected result.
What the pathologist adopts into the report is stored with the report's draft (and its
signed version), beside the text they sign.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from marrowscope.domain.counting.slide_counts import SlideCount
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.diagnosis.from_case import diagnosis_inputs
from marrowscope.domain.diagnosis.integrated import IntegratedDiagnosis, integrate
from marrowscope.domain.errors import InvalidInput, PermissionDenied
from marrowscope.domain.pathway.records import CaseRecord, RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.cases import load_case_record
from marrowscope.services.counting import counts_for_case, merged_counts
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["DIAGNOSIS_ROLES", "case_diagnosis"]

# Those who read the whole work-up: the signing pathologist, the morphologist and the
# laboratory scientist who prepare it (those who may read the slides counted).
DIAGNOSIS_ROLES = frozenset({Role.PATHOLOGIST, Role.MORPHOLOGIST, Role.LAB_SCIENTIST})


def _examined_on(payload: Mapping[str, object] | None, fallback: date) -> date:
    body = payload.get("procedure") if payload else None
    if isinstance(body, Mapping) and body.get("started_at"):
        return date.fromisoformat(str(body["started_at"])[:10])
    return fallback


def case_diagnosis(
    uow: UnitOfWork,
    stores: AccountStores,
    actor: Actor,
    case_id: int,
    *,
    report_fields: Mapping[str, str] | None = None,
    report_counts: Mapping[str, int] | None = None,
    loaded: tuple[CaseRecord, Sequence[SlideCount]] | None = None,
) -> IntegratedDiagnosis:
    """Candidates, risk groups, missing results and the trace for ``case_id``.

    ``report_fields`` are the pathologist's current draft fields (fibrosis grade, ring
    sideroblasts, cellularity) where the laboratory results do not state them;
    ``report_counts`` the differential the report holds, used when no slide was counted
    in the counter (a count entered with the report, or imported). ``loaded`` is the
    record and slides a caller has already read in this unit (the pathologist's page), so
    they are not read twice.
    """
    if actor.role not in DIAGNOSIS_ROLES:
        raise PermissionDenied("the integrated diagnosis is for the laboratory and pathologist")
    if loaded is None:
        loaded = (
            load_case_record(uow, actor, case_id),
            counts_for_case(uow, stores, actor, case_id),
        )
    record, slides = loaded
    counts: Mapping[CellClass, int] | None = merged_counts(slides) if slides else None
    if not counts and report_counts:
        counts = {CellClass(code): int(n) for code, n in report_counts.items()}
    procedure = record.latest(RecordKind.PROCEDURE)
    on = _examined_on(procedure.payload if procedure else None, record.case.opened_at.date())
    try:
        return integrate(diagnosis_inputs(record, counts, report_fields, on))
    except InvalidInput as error:  # a value the engines refuse: said on the panel, not a 500
        return IntegratedDiagnosis((), (), (), (f"The panel could not be computed: {error}",))
