"""The bone marrow report: its versions and sign-out rules (ICSH 2008 structure), the
graded findings, the first draft prefilled from the pathway, the warnings shown before
sign-out, the view a signed report shows and which version a release may send.
"""

from marrowscope.domain.reporting.fields import FIELD_LABELS, SECTIONS, clean_fields
from marrowscope.domain.reporting.findings import (
    CellularityJudgement,
    RangeRow,
    cellularity_against_age,
    fibrosis_description,
    iron_grade_category,
    range_rows,
)
from marrowscope.domain.reporting.model import (
    ReportKind,
    ReportStatus,
    ReportVersion,
    SignatureMeaning,
    amend,
    new_draft,
    parse_meaning,
    replace_counts,
    sign,
    update_draft,
)
from marrowscope.domain.reporting.prefill import pending_tests, prefill_fields
from marrowscope.domain.reporting.release import ReportRelease, version_to_release
from marrowscope.domain.reporting.signout import (
    SignoutWarning,
    UnconfirmedWarnings,
    require_confirmation,
    signout_warnings,
)
from marrowscope.domain.reporting.view import ReportView, TrendPoint, canonical_json, changed_fields

__all__ = [
    "CellularityJudgement",
    "FIELD_LABELS",
    "RangeRow",
    "ReportKind",
    "ReportRelease",
    "ReportStatus",
    "ReportVersion",
    "SignatureMeaning",
    "ReportView",
    "SECTIONS",
    "SignoutWarning",
    "TrendPoint",
    "UnconfirmedWarnings",
    "amend",
    "canonical_json",
    "cellularity_against_age",
    "changed_fields",
    "clean_fields",
    "fibrosis_description",
    "iron_grade_category",
    "new_draft",
    "parse_meaning",
    "pending_tests",
    "prefill_fields",
    "range_rows",
    "replace_counts",
    "require_confirmation",
    "sign",
    "signout_warnings",
    "update_draft",
    "version_to_release",
]
