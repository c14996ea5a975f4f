"""Care-team alerts: raised with the check-in that escalates, read and acknowledged by
the staff who can act on them; urgent ones not acknowledged in time escalate to the
on-call target, and notifications leave through pluggable channels with retries; a
break-glass grant leaves through the same channels to the privacy officer (``privacy``).
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
from marrowscope.services.alerts.delivery import (
    SYSTEM,
    DeliveryReport,
    DeliveryStore,
    Notifier,
    deliver_pending,
    delivery_log,
)
from marrowscope.services.alerts.escalation import (
    EscalationPolicy,
    TickReport,
    escalate_overdue_alerts,
    queue_notifications,
    run_alert_duties,
)
from marrowscope.services.alerts.privacy import (
    PrivacyOutbox,
    deliver_privacy_alerts,
    queue_privacy_alerts,
)

__all__ = [
    "ALERT_ROLES",
    "SYSTEM",
    "AlertStore",
    "DeliveryReport",
    "DeliveryStore",
    "EscalationPolicy",
    "Notifier",
    "PrivacyOutbox",
    "TickReport",
    "acknowledge_alert",
    "alert_for_record",
    "alerts_for_case",
    "count_open_alerts",
    "deliver_pending",
    "deliver_privacy_alerts",
    "delivery_log",
    "escalate_overdue_alerts",
    "list_alerts",
    "queue_notifications",
    "queue_privacy_alerts",
    "raise_for_check_in",
    "run_alert_duties",
]
