"""One examination as the response engines and the comparison read it, and the inputs
each response table names, built from the patient's examinations in time order.

The baseline of a response is the examination at diagnosis: the earliest earlier one
whose integrated diagnosis names the disease (tables/response_criteria.toml
``diagnosed_by``). Without one there is nothing to measure a response against, and the
request is refused with that reason rather than answered with a category.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.diagnosis.classification import DiagnosticFindings
from marrowscope.domain.diagnosis.response.criteria import Disease, response_tables
from marrowscope.domain.errors import NotAllowed

__all__ = ["Examination", "MrdFinding", "aml_inputs", "myeloma_inputs", "prior_diagnosis"]


@dataclass(frozen=True)
class MrdFinding:
    """A measurable-residual-disease result as the engines need it: detected or not, at
    which sensitivity (a fraction: 1e-4 is one cell in 10,000), by which method."""

    method: str
    detected: bool
    sensitivity: float


@dataclass(frozen=True)
class Examination:
    """What one case showed: findings as the diagnosis engines read them, the marrow
    counted, the candidate names of its integrated diagnosis, and what a person entered
    that a marrow system does not measure (extramedullary disease, immunofixation)."""

    case_id: int
    examined_on: date
    findings: DiagnosticFindings
    counts: Mapping[CellClass, int] = field(default_factory=dict)
    diagnoses: tuple[str, ...] = ()
    clonal_plasma_cells_percent: float | None = None
    mrd: tuple[MrdFinding, ...] = ()
    entered: Mapping[str, object] = field(default_factory=dict)

    @property
    def nucleated_cells(self) -> int:
        return CellCounts(tuple((c, n) for c, n in self.counts.items() if n)).nucleated_cells


def _names(disease: Disease, exam: Examination) -> bool:
    table = response_tables()[disease]
    words = [w.lower() for w in table["diagnosed_by"]]
    barred = [w.lower() for w in table["not_if"]]
    return any(
        any(w in name.lower() for w in words) and not any(b in name.lower() for b in barred)
        for name in exam.diagnoses
    )


def prior_diagnosis(earlier: Sequence[Examination]) -> tuple[Disease, Examination]:
    """The disease and the examination that diagnosed it (the earliest that names one).

    Raises ``NotAllowed`` when no earlier examination names AML or myeloma: a response
    category needs a diagnosis to be a response to.
    """
    for exam in earlier:
        for disease in ("aml", "myeloma"):
            if _names(disease, exam):
                return disease, exam
    raise NotAllowed(
        "response: no earlier examination of this patient has a diagnosis of AML or "
        "myeloma to measure a response against"
    )


def _mrd_negative(exam: Examination, at_most: float | None = None) -> bool | None:
    usable = [m for m in exam.mrd if at_most is None or m.sensitivity <= at_most]
    if not usable:
        return None
    return not any(m.detected for m in usable)


def aml_inputs(current: Examination, earlier: Sequence[Examination]) -> dict[str, object]:
    """The ELN 2022 table's inputs for ``current`` after ``earlier`` (time order)."""
    _disease, diagnosed = prior_diagnosis(earlier)
    f = current.findings
    after = [e for e in earlier if e.examined_on >= diagnosed.examined_on and e is not diagnosed]
    previous_blasts = after[-1].findings.blasts_percent_marrow if after else None
    return {
        "marrow_blasts_percent": f.blasts_percent_marrow,
        "blood_blasts_percent": f.blasts_percent_blood,
        "auer_rods": f.auer_rods,
        "extramedullary_disease": current.entered.get("extramedullary_disease"),
        "anc_10e9_per_l": f.anc_10e9_per_l,
        "platelets_10e9_per_l": f.platelets_10e9_per_l,
        "nucleated_cells_counted": current.nucleated_cells or None,
        "cellularity_percent": f.cellularity_percent,
        "baseline_marrow_blasts_percent": diagnosed.findings.blasts_percent_marrow,
        "in_remission_before": False if not after else (
            None if previous_blasts is None else previous_blasts < 5.0
        ),
        "mrd_negative": _mrd_negative(current),
    }  # fmt: skip


def myeloma_inputs(current: Examination, earlier: Sequence[Examination]) -> dict[str, object]:
    """The IMWG 2016 table's inputs for ``current`` after ``earlier`` (time order)."""
    _disease, diagnosed = prior_diagnosis(earlier)
    since = [
        e.findings.plasma_cells_percent for e in earlier if e.examined_on >= diagnosed.examined_on
    ]
    known = [p for p in since if p is not None]
    clonal = current.clonal_plasma_cells_percent
    return {
        "marrow_plasma_cells_percent": current.findings.plasma_cells_percent,
        "lowest_previous_plasma_cells_percent": min(known) if known else None,
        "clonal_plasma_cells_absent": None if clonal is None else clonal == 0,
        "mrd_negative_1e5": _mrd_negative(current, at_most=1e-5),
        "immunofixation_negative": current.entered.get("immunofixation_negative"),
        "flc_ratio_normal": current.entered.get("flc_ratio_normal"),
        "serum_m_protein_reduction_percent": current.entered.get(
            "serum_m_protein_reduction_percent"
        ),
    }
