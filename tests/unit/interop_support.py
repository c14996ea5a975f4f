"""A case built from domain values only (no database), for the interop unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from marrowscope.domain.cases.model import Case, CaseStatus, Patient, Sex
from marrowscope.domain.counting.differential import compute_differential, demo_counts
from marrowscope.domain.pathway.records import CaseRecord
from marrowscope.interop.codes import CaseExport

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def case_export(
    *,
    conclusion: str = "Appearances consistent with a myelodysplastic neoplasm.",
    pdf: bytes | None = None,
    family_name: str = "Demo",
    with_differential: bool = True,
) -> CaseExport:
    """A case with a patient and the demo 500-cell differential, nothing else recorded."""
    patient = Patient(7, "MRN-7", family_name, "Daniel", date(1959, 3, 14), Sex.MALE)
    case = Case(3, 7, AT, "clinician", CaseStatus.OPEN)
    record = CaseRecord(
        patient=patient, case=case, records=[], specimens=[], tests=[], events=[], results=[]
    )
    differential = compute_differential(demo_counts()) if with_differential else None
    return CaseExport(record, differential, conclusion, AT, pdf=pdf)
