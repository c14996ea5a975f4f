"""Logging a critical-value call on a case, and reading a case's calls.

Whoever telephones the value logs it: a laboratory scientist, morphologist, pathologist,
the laboratory manager, or the clinician (who often enters an outside count, meets the
critical value on their case page first, and tells the team responsible for the patient
today). The caller is the signed-in person (a log that let one person
write another's name as caller would prove nothing). The critical values the call was
about are copied from the case's newest blood count at the time of logging, so the entry
still says what was told after the count is corrected. Each entry is audited.
"""

from __future__ import annotations

from datetime import datetime

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.quality import CriticalCall, check_call
from marrowscope.domain.reporting.critical_calls import CriticalFinding, critical_findings
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import load_case_record, require_staff
from marrowscope.services.quality.ports import call_log
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["CALLERS", "case_calls", "log_critical_call"]

CALLERS = frozenset(
    {Role.LAB_SCIENTIST, Role.MORPHOLOGIST, Role.PATHOLOGIST, Role.LAB_MANAGER, Role.CLINICIAN}
)


@transactional
def log_critical_call(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    recipient: str,
    called_at: datetime,
    read_back: bool,
    notes: str = "",
) -> CriticalCall:
    """Append a call to the case's log; refused on a case with no critical value."""
    require_staff(actor, CALLERS)
    findings = critical_findings(load_case_record(uow, actor, case_id))
    if not findings:
        raise InvalidInput(f"case: case {case_id} has no critical blood count value to call about")
    who, when, text = check_call(recipient, called_at, notes, uow.now())
    call = call_log(uow).add(
        case_id, called_at=when, caller=actor.username, recipient=who, read_back=read_back,
        values="; ".join(f.words for f in findings), notes=text, recorded_at=uow.now(),
    )  # fmt: skip
    record_audit(
        uow, actor, "critical_call", call.id, AuditAction.CREATE, None,
        {"called_at": when.isoformat(), "caller": call.caller, "recipient": who,
         "read_back": read_back, "values": call.values, "notes": text},
        case_id=case_id,
    )  # fmt: skip
    uow.commit()
    return call


def case_calls(
    uow: UnitOfWork, actor: Actor, case_id: int
) -> tuple[tuple[CriticalFinding, ...], list[CriticalCall]]:
    """The case's critical values now, and its calls in the order they were made."""
    require_staff(actor)
    findings = critical_findings(load_case_record(uow, actor, case_id))
    return findings, list(call_log(uow).for_case(case_id))
