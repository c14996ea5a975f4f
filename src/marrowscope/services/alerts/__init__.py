"""Care-team alerts: raised with the check-in that escalates, read and acknowledged by
the staff who can act on them.
"""

from marrowscope.services.alerts.care_team import (
    ALERT_ROLES,
    AlertStore,
    acknowledge_alert,
    alert_for_record,
    alerts_for_case,
    count_open_alerts,
    list_alerts,
    raise_for_check_in,
)

__all__ = [
    "ALERT_ROLES",
    "AlertStore",
    "acknowledge_alert",
    "alert_for_record",
    "alerts_for_case",
    "count_open_alerts",
    "list_alerts",
    "raise_for_check_in",
]
