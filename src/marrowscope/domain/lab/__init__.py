"""The laboratory's model: specimens and their accession numbers, tests and their state
machine, structured results per test type and the tables people read them in.
"""

from marrowscope.domain.lab.result_table import (
    ResultTable,
    fish_call,
    humanise,
    result_table,
    test_label,
)
from marrowscope.domain.lab.result_types import (
    VARIANT_CLASSES,
    CultureResult,
    FishProbe,
    FishResult,
    KaryotypeResult,
    LabResult,
    MolecularResult,
    NarrativeResult,
    Variant,
    check_iscn,
)
from marrowscope.domain.lab.results import (
    parse_result,
    result_to_dict,
)
from marrowscope.domain.lab.specimen import (
    ACCESSION_PATTERN,
    TERMINAL_STATES,
    LabTest,
    OverdueTest,
    Specimen,
    SpecimenKind,
    SpecimenLabel,
    TestState,
    TestType,
    check_accession,
    check_test_fits_specimen,
    format_accession,
    next_state,
    overdue,
    turnaround_hours,
)

__all__ = [
    "ACCESSION_PATTERN",
    "CultureResult",
    "FishProbe",
    "FishResult",
    "KaryotypeResult",
    "LabResult",
    "LabTest",
    "MolecularResult",
    "NarrativeResult",
    "OverdueTest",
    "ResultTable",
    "Specimen",
    "SpecimenKind",
    "SpecimenLabel",
    "TERMINAL_STATES",
    "TestState",
    "TestType",
    "VARIANT_CLASSES",
    "Variant",
    "check_accession",
    "check_iscn",
    "check_test_fits_specimen",
    "fish_call",
    "format_accession",
    "humanise",
    "next_state",
    "overdue",
    "parse_result",
    "result_table",
    "result_to_dict",
    "test_label",
    "turnaround_hours",
]
