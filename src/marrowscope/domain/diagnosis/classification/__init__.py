"""WHO 2022 and ICC 2022 classification candidates for myeloid neoplasms (decision support).

``classify`` returns one candidate per system, side by side, each with its whole trace
(every criterion met, not met or unknown, its value and its source in
tables/classification_criteria.toml) and the missing results that could change it. When
nothing fits, a system's candidate is named "No myeloid category met" rather than
omitted, so that the trace still shows why. Nothing here states a diagnosis.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.classification._common import NO_CATEGORY
from marrowscope.domain.diagnosis.classification.findings_input import DiagnosticFindings, Sex
from marrowscope.domain.diagnosis.classification.icc2022 import classify_icc2022
from marrowscope.domain.diagnosis.classification.who2022 import classify_who2022
from marrowscope.domain.diagnosis.findings import Candidate

__all__ = [
    "NO_CATEGORY",
    "DiagnosticFindings",
    "Sex",
    "classify",
    "classify_icc2022",
    "classify_who2022",
]


def classify(findings: DiagnosticFindings) -> tuple[Candidate, ...]:
    """The WHO 2022 candidate, then the ICC 2022 candidate."""
    return classify_who2022(findings), classify_icc2022(findings)
