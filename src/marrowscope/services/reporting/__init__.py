"""The bone marrow report: drafts, sign-out, amendments and addenda, release, the
report views (HTML, PDF, export), its state per case and the case lists that show it.

It reads the case through ``services.cases`` and laboratory results through the unit of
work's pathway repository, never through ``services.lab``.
"""

from marrowscope.services.reporting.assembly import Letterhead
from marrowscope.services.reporting.case_lists import (
    CaseListRow,
    case_list,
    duration_words,
)
from marrowscope.services.reporting.ordering_copy import ordering_clinician_pdf
from marrowscope.services.reporting.reports import (
    addend_report,
    amend_report,
    release_report,
    save_draft,
    sign_report,
)
from marrowscope.services.reporting.signout import (
    draft_prefill,
    signout_warnings,
)
from marrowscope.services.reporting.state import (
    ReportState,
    report_state,
)
from marrowscope.services.reporting.store import ReportStore
from marrowscope.services.reporting.views import (
    ROLE_WORDS,
    ExportedReport,
    current_report,
    get_version,
    list_versions,
    patient_summary,
    report_for_export,
    report_html,
    report_pdf,
    report_view,
    signed_documents,
)

__all__ = [
    "CaseListRow",
    "ExportedReport",
    "Letterhead",
    "ROLE_WORDS",
    "ReportState",
    "ReportStore",
    "addend_report",
    "amend_report",
    "case_list",
    "current_report",
    "draft_prefill",
    "duration_words",
    "get_version",
    "list_versions",
    "ordering_clinician_pdf",
    "patient_summary",
    "release_report",
    "report_for_export",
    "report_html",
    "report_pdf",
    "report_state",
    "report_view",
    "save_draft",
    "sign_report",
    "signed_documents",
    "signout_warnings",
]
