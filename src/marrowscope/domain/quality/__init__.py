"""The laboratory's month as figures: turnaround in working days per test and stage
(median, 90th percentile, against targets), amendments and addenda per report with their
reasons, critical-value calls, and agreement between the model and reviewers and between
reviewers (Cohen's kappa per class and month). Pure: the rows come in, the figures go out.
"""

from marrowscope.domain.quality.agreement import (
    AI_VS_REVIEWER,
    ALL_CLASSES,
    REVIEWER_VS_REVIEWER,
    AgreementRow,
    ChangedRow,
    Decision,
    agreement_rows,
    binary_kappa,
    changed_after_review,
    reviewer_pairs,
)
from marrowscope.domain.quality.amendments import (
    AmendmentRow,
    ReasonRow,
    SignedVersion,
    amendment_rows,
    reason_rows,
)
from marrowscope.domain.quality.call_log import CriticalCall, check_call
from marrowscope.domain.quality.critical import (
    CriticalMonth,
    CriticalRow,
    critical_months,
    critical_rows,
)
from marrowscope.domain.quality.statistics import PERCENTILE_METHOD, median, month_of, percentile
from marrowscope.domain.quality.turnaround import (
    ALL_MONTHS,
    REPORT,
    CaseTimes,
    Stage,
    StageTime,
    TestTimes,
    TurnaroundRow,
    stage_times,
    target_working_days,
    turnaround_rows,
)
from marrowscope.domain.quality.working_days import (
    WorkingCalendar,
    default_calendar,
    working_days_between,
)

__all__ = [
    "AI_VS_REVIEWER",
    "ALL_CLASSES",
    "ALL_MONTHS",
    "PERCENTILE_METHOD",
    "REPORT",
    "REVIEWER_VS_REVIEWER",
    "AgreementRow",
    "AmendmentRow",
    "CaseTimes",
    "ChangedRow",
    "CriticalCall",
    "CriticalMonth",
    "CriticalRow",
    "Decision",
    "ReasonRow",
    "SignedVersion",
    "Stage",
    "StageTime",
    "TestTimes",
    "TurnaroundRow",
    "WorkingCalendar",
    "agreement_rows",
    "amendment_rows",
    "binary_kappa",
    "changed_after_review",
    "check_call",
    "critical_months",
    "critical_rows",
    "default_calendar",
    "median",
    "month_of",
    "percentile",
    "reason_rows",
    "reviewer_pairs",
    "stage_times",
    "target_working_days",
    "turnaround_rows",
    "working_days_between",
]
