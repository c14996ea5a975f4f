"""A case's record read into the engines' inputs: what the pathway holds, nothing guessed.

Only verified, current laboratory results are read (as the report's prefill does); the
differential comes from the slides counted; the pathologist's structured draft fields
(ring sideroblasts, fibrosis grade, cellularity) fill what the laboratory results do not
state. A karyotype that cannot be read is reported as a note, never silently dropped, and
the engines then treat cytogenetics as unknown. A gene absent from a panel's
``genes_tested`` list is unknown, not wild type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from marrowscope.domain.cases.model import Sex as PatientSex
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.quantities import measure, quantity_definition
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.diagnosis.classification import DiagnosticFindings, Sex
from marrowscope.domain.diagnosis.findings import KaryotypeFacts, Variant
from marrowscope.domain.diagnosis.integrated import DiagnosisInputs
from marrowscope.domain.diagnosis.karyotype import karyotype_facts
from marrowscope.domain.diagnosis.risk.myeloma import MyelomaStagingFindings, PlasmaCellFindings
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.lab import TestState, TestType
from marrowscope.domain.pathway.records import CaseRecord, RecordKind

__all__ = ["diagnosis_inputs"]

_CLOSED = frozenset({TestState.REJECTED, TestState.CANCELLED})
_TP53_PROBE = re.compile(r"TP53|17p", re.IGNORECASE)
_MF = re.compile(r"(?:MF-?)?\s*([0-3])\b", re.IGNORECASE)


def _number(value: Any) -> float | None:
    try:
        number = float(str(value).replace("%", "").strip())
    except ValueError:
        return None
    return number


def _verified(record: CaseRecord) -> dict[TestType, Mapping[str, Any]]:
    """The newest verified current result payload of each test type."""
    found: dict[TestType, Mapping[str, Any]] = {}
    for test in record.tests:
        result = record.current_result(test.id)
        if test.state in _CLOSED or result is None or result.verified_at is None:
            continue
        found[test.test_type] = result.payload
    return found


def _percent(counts: Mapping[CellClass, int], name: str) -> float | None:
    tally = CellCounts(tuple((c, n) for c, n in counts.items() if n))
    if not tally.nucleated_cells:
        return None
    value = measure(tally, quantity_definition(name))
    return None if value.exact_percent is None else round(float(value.exact_percent), 1)


def _karyotype(payload: Mapping[str, Any] | None, notes: list[str]) -> KaryotypeFacts | None:
    if payload is None:
        return None
    text = str(payload.get("iscn", "")).strip()
    if not text:
        return None
    try:
        return karyotype_facts(text)
    except InvalidInput as error:
        notes.append(f"Karyotype {text!r} could not be read ({error}); treated as unknown.")
        return None


def _variants(
    payload: Mapping[str, Any] | None,
) -> tuple[tuple[Variant, ...] | None, frozenset[str] | None]:
    if payload is None:
        return None, None
    variants = []
    for row in payload.get("variants", []):
        detail = " ".join(str(row.get(k, "")) for k in ("hgvs_p", "hgvs_c", "detail") if row.get(k))
        vaf = _number(row.get("vaf_percent"))
        germline = "germline" in str(row.get("classification", "")).lower()
        variants.append(Variant(str(row.get("gene", "")).upper(), vaf, detail, germline))
    genes = payload.get("genes_tested")
    tested = frozenset(str(g).upper() for g in genes) if isinstance(genes, list) else None
    return tuple(variants), tested


def _tp53_loss(payload: Mapping[str, Any] | None) -> bool | None:
    if payload is None:
        return None
    calls = []
    for probe in payload.get("probes", []):
        if not _TP53_PROBE.search(str(probe.get("probe", ""))):
            continue
        scored, abnormal = (
            _number(probe.get("nuclei_scored")),
            _number(probe.get("abnormal_nuclei")),
        )
        cutoff = _number(probe.get("cutoff_percent"))
        if scored and abnormal is not None and cutoff is not None:
            calls.append(100 * abnormal / scored > cutoff)
    return any(calls) if calls else None


def _value(payloads: list[Mapping[str, Any] | None], key: str) -> float | None:
    for payload in payloads:
        if payload is not None:
            number = _number(payload.get("values", {}).get(key))
            if number is not None:
                return number
    return None


def _fibrosis(text: str | None, measured: float | None) -> int | None:
    if measured is not None:
        return int(measured)
    match = _MF.search(text or "")
    return int(match.group(1)) if match else None


def diagnosis_inputs(
    record: CaseRecord,
    counts: Mapping[CellClass, int] | None,
    report_fields: Mapping[str, str] | None,
    on: date,
) -> DiagnosisInputs:
    """The engines' inputs for ``record`` as of ``on`` (the examination day)."""
    notes: list[str] = []
    fields = report_fields or {}
    results = _verified(record)
    cbc = record.latest(RecordKind.CBC)
    values: Mapping[str, Any] = cbc.payload.get("values", {}) if cbc is not None else {}
    hb = _number(values.get("hb"))
    sex = {PatientSex.MALE: Sex.MALE, PatientSex.FEMALE: Sex.FEMALE}.get(record.patient.sex)
    variants, tested = _variants(results.get(TestType.MOLECULAR_PANEL))
    trephine = results.get(TestType.TREPHINE_HISTOLOGY)
    iron = results.get(TestType.IRON_STAIN)
    flow = results.get(TestType.FLOW_CYTOMETRY)
    merged = counts or {}
    ring = _value([iron], "ring_sideroblasts_percent")
    if ring is None:
        ring = _number(fields.get("ring_sideroblasts_percent"))
    cellularity = _value([trephine], "cellularity_percent")
    if cellularity is None:
        cellularity = _number(fields.get("trephine_cellularity_percent"))
    entered = record.latest(RecordKind.DIAGNOSTIC_CONTEXT)
    context: Mapping[str, Any] = entered.payload.get("values", {}) if entered else {}
    findings = DiagnosticFindings(
        sex=sex,
        haemoglobin_g_per_dl=None if hb is None else hb / 10.0,
        platelets_10e9_per_l=_number(values.get("platelets")),
        anc_10e9_per_l=_number(values.get("neutrophils")),
        wbc_10e9_per_l=_number(values.get("wbc")),
        monocytes_10e9_per_l=_number(values.get("monocytes")),
        blasts_percent_blood=_number(values.get("blasts_percent")),
        blasts_percent_marrow=_percent(merged, "blasts"),
        erythroid_percent=_percent(merged, "erythroid"),
        ring_sideroblasts_percent=ring,
        plasma_cells_percent=_percent(merged, "plasma_cells"),
        karyotype=_karyotype(results.get(TestType.KARYOTYPE), notes),
        variants=variants,
        genes_tested=tested,
        tp53_copy_loss=_tp53_loss(results.get(TestType.FISH)),
        fibrosis_grade=_fibrosis(
            fields.get("fibrosis_grade"), _value([trephine], "fibrosis_grade")
        ),
        cellularity_percent=cellularity,
        **_given(context, _FINDINGS_KEYS),
    )
    clonal = _value([flow], "clonal_plasma_cells_percent")
    plasma_given = _given(context, _PLASMA_KEYS)
    plasma = None
    if clonal is not None or plasma_given:
        plasma = PlasmaCellFindings(
            clonal_bm_plasma_cells_percent=clonal,
            haemoglobin_g_per_l=hb,  # the CBC's g/L, for the CRAB anaemia criterion
            **plasma_given,
        )
    staging_given = _given(context, _STAGING_KEYS)
    staging = MyelomaStagingFindings(**staging_given) if staging_given else None
    age = float(record.patient.age_on(on))
    return DiagnosisInputs(
        findings, age_years=age, plasma=plasma, staging=staging, notes=tuple(notes)
    )


# which engine reads each entered input (domain.diagnosis.context names them)
_FINDINGS_KEYS = frozenset(
    {
        "dysplasia_erythroid",
        "dysplasia_granulocytic",
        "dysplasia_megakaryocytic",
        "auer_rods",
        "prior_cytotoxic_therapy",
        "prior_mds",
        "prior_mds_mpn",
        "germline_predisposition_known",
    }
)
_PLASMA_KEYS = frozenset(
    {
        "serum_m_protein_g_per_l",
        "urine_m_protein_mg_per_24h",
        "involved_flc_mg_per_l",
        "uninvolved_flc_mg_per_l",
        "calcium_mmol_per_l",
        "calcium_uln_mmol_per_l",
        "creatinine_umol_per_l",
        "creatinine_clearance_ml_per_min",
        "osteolytic_lesions_count",
        "mri_focal_lesions_count",
        "biopsy_proven_plasmacytoma",
        "amyloidosis",
    }
)
_STAGING_KEYS = frozenset(
    {
        "beta2_microglobulin_mg_per_l",
        "albumin_g_per_l",
        "ldh_above_uln",
        "del17p",
        "t_4_14",
        "t_14_16",
        "gain_1q",
    }
)


def _given(context: Mapping[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    """The entered values an engine reads; what was not entered stays unknown."""
    return {k: v for k, v in context.items() if k in keys}
