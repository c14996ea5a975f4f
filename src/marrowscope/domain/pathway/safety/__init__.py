"""Pre-procedure safety assessment: rules from ``tables/safety.toml`` produce findings.

Each finding has a severity (stop / review / note) and cites the source of its rule, so
the operator sees why, and the audit log keeps what was shown. Bone marrow aspiration
and trephine biopsy are low-bleeding-risk procedures (SIR 2019), which sets the
platelet and INR thresholds and the anticoagulant hold times. Agents are matched by
what they are (``agents.py``: class, family, synonyms, brand names), not by the words
typed; where guidelines differ the lab's ``SafetyPolicy`` decides, and says so.
"""

from marrowscope.domain.pathway.safety.agents import Category, Kind, Named, normalise, resolve
from marrowscope.domain.pathway.safety.drugs import Hold, hold_for
from marrowscope.domain.pathway.safety.inputs import refuse_impossible
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
from marrowscope.domain.pathway.safety.policy import SafetyPolicy
from marrowscope.domain.pathway.safety.rules import assess, known_drugs, pregnancy_asked

__all__ = [
    "Assessment",
    "Category",
    "ConsentBy",
    "Hold",
    "Kind",
    "Medication",
    "Named",
    "Plan",
    "Pregnancy",
    "SafetyFinding",
    "SafetyPolicy",
    "Sedation",
    "Severity",
    "assess",
    "hold_for",
    "known_drugs",
    "normalise",
    "overall",
    "pregnancy_asked",
    "refuse_impossible",
    "resolve",
]
