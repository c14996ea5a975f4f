"""Pre-procedure safety assessment: rules from ``tables/safety.toml`` produce findings.

Each finding has a severity (stop / review / note) and cites the source of its rule, so
the operator sees why, and the audit log keeps what was shown. Bone marrow aspiration
and trephine biopsy are low-bleeding-risk procedures (SIR 2019), which sets the
platelet and INR thresholds and the anticoagulant hold times.
"""

from marrowscope.domain.pathway.safety.model import (
    Assessment,
    ConsentBy,
    Medication,
    Plan,
    Pregnancy,
    SafetyFinding,
    Sedation,
    Severity,
    overall,
)
from marrowscope.domain.pathway.safety.rules import assess, known_drugs

__all__ = [
    "Assessment",
    "ConsentBy",
    "Medication",
    "Plan",
    "Pregnancy",
    "SafetyFinding",
    "Sedation",
    "Severity",
    "assess",
    "known_drugs",
    "overall",
]
