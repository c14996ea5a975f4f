"""Patients and their examination cases: registering, opening and reading a case (any
number per patient, listed in time order), who may read which case (scoping by ward and
laboratory, break-glass), the clinical records written to it, the case record read model
and the record codec.

Every other capability reads a case through this package; it imports none of them.
"""

from marrowscope.services.cases import codec
from marrowscope.services.cases.access import (
    break_glass_log,
    case_access,
    case_grant,
    grant_break_glass,
    set_units,
    units_of,
)
from marrowscope.services.cases.clinical_records import (
    CLINICAL,
    OPERATORS,
    ORDERERS,
    open_case_for_writing,
    write_record,
)
from marrowscope.services.cases.codec import (
    assessment_from,
    cbc_from,
    check_in_from,
    dump,
    findings_from,
    order_from,
    plan_from,
    procedure_from,
)
from marrowscope.services.cases.history import (
    earlier_cases,
    open_next_case,
    patient_by_mrn,
    patient_cases,
)
from marrowscope.services.cases.patients import (
    close_case,
    get_case,
    get_patient,
    list_cases,
    open_case,
    register_patient,
    require_staff,
    search_patients,
)
from marrowscope.services.cases.portal_link import patient_for_portal
from marrowscope.services.cases.views import (
    CaseOverview,
    CbcOutcome,
    case_history,
    case_overviews,
    cbc_outcome,
    load_case_record,
)

__all__ = [
    "CLINICAL",
    "CaseOverview",
    "CbcOutcome",
    "OPERATORS",
    "ORDERERS",
    "assessment_from",
    "break_glass_log",
    "case_access",
    "case_grant",
    "case_history",
    "case_overviews",
    "cbc_from",
    "cbc_outcome",
    "check_in_from",
    "close_case",
    "codec",
    "dump",
    "earlier_cases",
    "findings_from",
    "get_case",
    "get_patient",
    "grant_break_glass",
    "list_cases",
    "load_case_record",
    "open_case",
    "open_case_for_writing",
    "open_next_case",
    "order_from",
    "patient_by_mrn",
    "patient_cases",
    "patient_for_portal",
    "plan_from",
    "procedure_from",
    "register_patient",
    "require_staff",
    "search_patients",
    "set_units",
    "units_of",
    "write_record",
]
