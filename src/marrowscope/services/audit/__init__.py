"""The audit trail: the entry every write (and every read of patient data) appends, the
sign-in events, and the chain's check and retention pruning (docs/audit.md).

Below every capability: each of them appends through ``record_audit``; nothing here
imports a capability.
"""

from marrowscope.services.audit.record import record_audit
from marrowscope.services.audit.sign_in import ANONYMOUS, record_sign_in_event
from marrowscope.services.audit.trail import PruneOutcome, prune_audit_log, verify_audit_log

__all__ = [
    "ANONYMOUS",
    "PruneOutcome",
    "prune_audit_log",
    "record_audit",
    "record_sign_in_event",
    "verify_audit_log",
]
