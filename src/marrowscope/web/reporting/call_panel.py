"""The critical-value call panel shown where people act on a case: the clinician's and
the pathologist's case pages and the release confirmation page.

The call log had its own page, reached only from the dashboard, so the person about to
release met the rule as a refusal. The panel puts the values, the calls already logged
and the form on the page they are on; a refused call comes back on that same page with
its message beside the field and what was typed kept (``web.quality.calls.log_call`` re-renders it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from marrowscope.domain.errors import NotAllowed
from marrowscope.domain.quality import CriticalCall
from marrowscope.domain.reporting.critical_calls import CriticalFinding, require_critical_call
from marrowscope.domain.roles import Actor
from marrowscope.services import quality
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["CallPanel", "call_panel"]


@dataclass(frozen=True, slots=True)
class CallPanel:
    """What the panel shows; ``can_log``: the signed-in person may log a call."""

    case_id: int
    back: str  # the page the form returns to
    findings: tuple[CriticalFinding, ...]
    calls: list[CriticalCall]
    call_owed: bool  # no call with read-back since the newest count
    can_log: bool
    now: str  # the form's default time, UTC, to the second: a call logged at once is not
    # dated before the count it is about (12:34 would precede a count made at 12:34:56)
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def call_panel(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    back: str,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> CallPanel | None:
    """The panel of the case, or None when it has no critical value and no call."""
    findings, calls = quality.case_calls(uow, actor, case_id)
    if not findings and not calls:
        return None
    try:
        require_critical_call(case_id, findings, [c.called_at for c in calls if c.read_back])
        owed = False
    except NotAllowed:
        owed = True
    now: datetime = uow.now()
    return CallPanel(
        case_id, back, findings, calls, owed, actor.role in quality.CALLERS,
        now.strftime("%Y-%m-%dT%H:%M:%S"), dict(typed or {}), dict(errors or {}),
    )  # fmt: skip
