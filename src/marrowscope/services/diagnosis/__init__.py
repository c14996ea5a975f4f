"""Integrated diagnosis of a case as decision support: WHO 2022 and ICC 2022 candidates,
IMWG 2014 for plasma cell neoplasms, ELN 2022, IPSS-R/IPSS-M and R-ISS/R2-ISS risk, what
is missing to settle each, and the report text a pathologist may adopt and edit.

Public use cases: ``case_diagnosis`` (the panel), ``DIAGNOSIS_ROLES`` (who may read it),
``record_diagnostic_context`` / ``diagnostic_context`` (the inputs a person enters:
dysplasia, history, the myeloma work-up), ``case_followup`` / ``case_response`` (a
repeat marrow beside the previous one, and the response it is consistent with).
"""

from __future__ import annotations

from marrowscope.services.diagnosis.case_diagnosis import DIAGNOSIS_ROLES, case_diagnosis
from marrowscope.services.diagnosis.context import (
    CONTEXT_WRITERS,
    diagnostic_context,
    record_diagnostic_context,
)
from marrowscope.services.diagnosis.followup import (
    Followup,
    ReportOf,
    case_followup,
    case_response,
)

__all__ = [
    "CONTEXT_WRITERS",
    "DIAGNOSIS_ROLES",
    "Followup",
    "ReportOf",
    "case_diagnosis",
    "case_followup",
    "case_response",
    "diagnostic_context",
    "record_diagnostic_context",
]
