"""Use cases of the laboratory's quality: the dashboard (turnaround, overdue, amendments,
critical-value calls, agreement) and the critical-value call log on a case."""

from marrowscope.services.quality.call_log import CALLERS, case_calls, log_critical_call
from marrowscope.services.quality.dashboard import (
    QUALITY_READERS,
    Dashboard,
    OverdueRow,
    quality_dashboard,
)
from marrowscope.services.quality.ports import CallLog, QualityRows

__all__ = [
    "CALLERS",
    "QUALITY_READERS",
    "CallLog",
    "Dashboard",
    "OverdueRow",
    "QualityRows",
    "case_calls",
    "log_critical_call",
    "quality_dashboard",
]
