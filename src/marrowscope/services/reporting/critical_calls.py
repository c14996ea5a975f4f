"""Release waits for the critical-value call: the port through which reporting reads the
call log, and the check ``release_report`` runs.

The log belongs to the quality capability (``services.quality`` writes it); reporting
reads only the times of calls with read-back, through ``CallTimes``, so it imports no
other capability's use cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from marrowscope.domain.reporting.critical_calls import critical_findings, require_critical_call
from marrowscope.domain.roles import Actor
from marrowscope.services.cases import load_case_record
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["CallTimes", "require_call_before_release"]


class CallTimes(Protocol):
    """When a case's calls with read-back were made (``db.quality_tables.SqlCallLog``)."""

    def confirmed_times(self, case_id: int) -> Sequence[datetime]: ...


def require_call_before_release(
    uow: UnitOfWork, actor: Actor, case_id: int, factory: Callable[[Any], CallTimes] | None
) -> None:
    """Refuse (``NotAllowed``) the release of a case with a critical blood count value and
    no call with read-back logged since the count (``domain.reporting.critical_calls``)."""
    findings = critical_findings(load_case_record(uow, actor, case_id))
    if not findings:
        return
    if factory is None:
        from marrowscope.db.quality_tables import SqlCallLog

        factory = SqlCallLog
    require_critical_call(case_id, findings, uow.bind(factory).confirmed_times(case_id))
