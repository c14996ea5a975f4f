"""The laboratory: specimens with accession numbers, tests and their state machine,
results with versions and verification, barcode labels, the worklist and overdue list.
"""

from marrowscope.services.lab.labels import (
    barcode_modules,
    label_png,
    label_svg,
)
from marrowscope.services.lab.results import (
    advance_test,
    order_test,
    post_result,
    post_result_by_accession,
    verify_result,
)
from marrowscope.services.lab.specimens import (
    ACCESSION_PREFIX,
    CollectedSpecimen,
    collect_specimen,
    receive_specimen,
    specimen_label,
)
from marrowscope.services.lab.steps import (
    COLLECTORS,
    LABORATORY,
    VERIFIERS,
    audit_test,
    get_specimen,
)
from marrowscope.services.lab.worklist import (
    awaited,
    overdue_tests,
    worklist,
)

__all__ = [
    "ACCESSION_PREFIX",
    "COLLECTORS",
    "CollectedSpecimen",
    "LABORATORY",
    "VERIFIERS",
    "advance_test",
    "audit_test",
    "awaited",
    "barcode_modules",
    "collect_specimen",
    "get_specimen",
    "label_png",
    "label_svg",
    "order_test",
    "overdue_tests",
    "post_result",
    "post_result_by_accession",
    "receive_specimen",
    "specimen_label",
    "verify_result",
    "worklist",
]
