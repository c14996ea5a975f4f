"""Recording the procedure itself, gated by the assessment's 'stop' findings.

Kept apart from ``services.pathway`` because it is the pathway's safety gate: the only
step that refuses to write while an earlier record (the assessment) says stop, unless
the operator gives a written reason. Re-exported by ``services.pathway``, so
``pathway.record_procedure`` keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marrowscope.domain.errors import InvalidInput, MarrowscopeError, NotAllowed
from marrowscope.domain.pathway.procedure import (
    ProcedureRecord,
    ProcedureWarning,
    validate_procedure,
)
from marrowscope.domain.pathway.records import RecordKind, StoredRecord
from marrowscope.domain.pathway.safety import Severity
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.cases import (
    OPERATORS,
    codec,
    open_case_for_writing,
    require_staff,
    write_record,
)
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["ProcedureOutcome", "record_procedure", "record_procedure_from"]


@dataclass(frozen=True, slots=True)
class ProcedureOutcome:
    """The stored procedure with its warnings (short core, vital-sign alerts...)."""

    record: StoredRecord
    warnings: list[ProcedureWarning]


@transactional
def record_procedure(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    procedure: ProcedureRecord,
    *,
    stop_override_reason: str = "",
) -> ProcedureOutcome:
    """Record the procedure; refused while the assessment holds a 'stop' finding.

    A 'stop' can be overridden only with a written reason (kept in the record and the
    audit log), for the rare case where the operator judged it safe to go ahead.
    """
    require_staff(actor, OPERATORS | {Role.NURSE})
    _case, patient = open_case_for_writing(uow, actor, case_id)
    assessment = uow.pathway.latest(case_id, RecordKind.ASSESSMENT)
    if assessment is None:
        raise NotAllowed("procedure: record the pre-procedure assessment first")
    stops = [
        f
        for f in codec.findings_from(assessment.payload["findings"])
        if f.severity is Severity.STOP
    ]
    if stops and not stop_override_reason.strip():
        raise NotAllowed(
            "procedure: the assessment has unresolved stop findings: "
            + "; ".join(f.message for f in stops)
        )
    if procedure.started_at > uow.now():
        raise InvalidInput("started_at: a procedure cannot be recorded before it happens")
    months = (
        (procedure.started_at.year - patient.birth_date.year) * 12
        + procedure.started_at.month
        - patient.birth_date.month
    )
    warnings = validate_procedure(procedure, patient_age_months=months)
    payload = {
        "procedure": codec.dump(procedure),
        "warnings": codec.dump(warnings),
        "stop_override_reason": stop_override_reason.strip(),
    }
    record = write_record(uow, actor, case_id, RecordKind.PROCEDURE, payload)
    uow.commit()
    return ProcedureOutcome(record, warnings)


@transactional
def record_procedure_from(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    data: Mapping[str, Any],
    *,
    stop_override_reason: str = "",
) -> ProcedureOutcome:
    """``record_procedure`` from plain data (a web form or JSON file): ISO times, enum
    values as text, vitals as ``[{"at", "sign", "value", "unit"?}]``."""
    try:
        procedure = codec.procedure_from(data)
    except MarrowscopeError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"procedure: {error!s} is missing or not valid") from error
    return record_procedure(
        uow, actor, case_id, procedure, stop_override_reason=stop_override_reason
    )
