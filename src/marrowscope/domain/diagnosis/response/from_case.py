"""A case's record read as one ``Examination``: the diagnosis engines' findings, the
marrow counted, the candidate names of its integrated diagnosis, the flow cytometry's
clonal plasma cells, its verified MRD results and what a person entered with the
diagnostic context."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.diagnosis.from_case import diagnosis_inputs
from marrowscope.domain.diagnosis.integrated import integrate
from marrowscope.domain.diagnosis.response.examination import Examination, MrdFinding
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.lab import TestState, TestType
from marrowscope.domain.lab.mrd import parse_mrd
from marrowscope.domain.pathway.records import CaseRecord, RecordKind

__all__ = ["examination_of", "verified_mrd"]

# entered values the response tables read (tables/response_criteria.toml inputs)
_ENTERED = (
    "extramedullary_disease",
    "immunofixation_negative",
    "flc_ratio_normal",
    "serum_m_protein_reduction_percent",
)


def verified_mrd(record: CaseRecord) -> tuple[MrdFinding, ...]:
    """The case's verified, current MRD results (a withdrawn test or an unverified
    result is not yet a finding)."""
    found = []
    for test in record.tests:
        result = record.current_result(test.id)
        if (
            test.test_type is not TestType.MRD
            or test.state in (TestState.REJECTED, TestState.CANCELLED)
            or result is None
            or result.verified_at is None
        ):
            continue
        mrd = parse_mrd(result.payload)
        found.append(MrdFinding(mrd.method.value, mrd.detected, mrd.sensitivity))
    return tuple(found)


def examination_of(
    record: CaseRecord,
    counts: Mapping[CellClass, int] | None,
    report_fields: Mapping[str, str] | None,
    on: date,
    mrd: tuple[MrdFinding, ...] | None = None,
) -> Examination:
    """What ``record`` showed on ``on``; an input the engines refuse leaves no diagnosis
    names (said by the diagnosis panel itself), never an error here."""
    inputs = diagnosis_inputs(record, counts, report_fields, on)
    try:
        names = tuple(c.name for c in integrate(inputs).candidates)
    except InvalidInput:
        names = ()
    entered_record = record.latest(RecordKind.DIAGNOSTIC_CONTEXT)
    values: Mapping[str, Any] = entered_record.payload.get("values", {}) if entered_record else {}
    return Examination(
        case_id=record.case.id,
        examined_on=on,
        findings=inputs.findings,
        counts=dict(counts or {}),
        diagnoses=names,
        clonal_plasma_cells_percent=(
            inputs.plasma.clonal_bm_plasma_cells_percent if inputs.plasma else None
        ),
        mrd=verified_mrd(record) if mrd is None else mrd,
        entered={k: values[k] for k in _ENTERED if values.get(k) is not None},
    )
