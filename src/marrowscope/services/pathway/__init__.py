"""The clinical pathway before and after the laboratory: blood count, order,
pre-procedure assessment, procedure, aftercare, follow-up check-ins (staff and patient).

Each use case is one audited transaction; corrections insert a new version.
"""

from marrowscope.services.pathway.assessment import (
    AssessmentOutcome,
    preparation_sheet_for,
    preview_assessment,
    record_assessment,
)
from marrowscope.services.pathway.cbc_order import correct_record, place_order, record_cbc
from marrowscope.services.pathway.check_ins import (
    CheckInOutcome,
    latest_check_in_advice,
    send_check_in,
)
from marrowscope.services.pathway.followup import issue_aftercare, record_check_in
from marrowscope.services.pathway.order_tests import change_ordered_tests
from marrowscope.services.pathway.patient_portal import patient_check_in
from marrowscope.services.pathway.procedure import (
    ProcedureOutcome,
    record_procedure,
    record_procedure_from,
)

__all__ = [
    "AssessmentOutcome",
    "CheckInOutcome",
    "ProcedureOutcome",
    "change_ordered_tests",
    "correct_record",
    "issue_aftercare",
    "latest_check_in_advice",
    "patient_check_in",
    "place_order",
    "preparation_sheet_for",
    "preview_assessment",
    "record_assessment",
    "record_cbc",
    "record_check_in",
    "record_procedure",
    "send_check_in",
    "record_procedure_from",
]
