"""Structured laboratory results, one shape per test type where the field has a shape.

Karyotypes are ISCN text (checked for form, not interpreted); FISH results name each
probe with nuclei scored; molecular results list variants as gene / HGVS / VAF; a
culture names its organism or reports no growth; an MRD result gives its call, level
and sensitivity (``domain.lab.mrd``); the other tests are narrative text
with optional structured numbers. Interpretations are worded "consistent with", never
as a diagnosis.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.lab.mrd import mrd_to_dict, parse_mrd
from marrowscope.domain.lab.result_types import (
    VARIANT_CLASSES,
    CultureResult,
    FishProbe,
    FishResult,
    KaryotypeResult,
    LabResult,
    MolecularResult,
    MrdResult,
    NarrativeResult,
    Variant,
    check_iscn,
)
from marrowscope.domain.lab.specimen import TestType

__all__ = [
    "parse_result",
    "result_to_dict",
]


_GENE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
_HGVS_C = re.compile(r"^(?:[A-Z]{2}_\d+(?:\.\d+)?:)?[cgn]\.\S+$")
_HGVS_P = re.compile(r"^p\.\(?\S+\)?$")


def _int(d: Mapping[str, Any], key: str, low: int, high: int, where: str = "") -> int:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        raise InvalidMeasurement(f"{where}{key}: a whole number from {low} to {high} is needed")
    return v


def _classification(text: str, i: int) -> str:
    if not text:
        return ""
    for known in VARIANT_CLASSES:
        if text.casefold() == known.casefold():
            return known
    raise InvalidInput(
        f"variants[{i}].classification: {text!r} is not one of {', '.join(VARIANT_CLASSES)}"
    )


def _float(v: Any, key: str, low: float, high: float) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise InvalidMeasurement(f"{key}: a number is needed")
    if not low <= v <= high:
        raise InvalidMeasurement(f"{key}: {v} is outside {low:g}-{high:g}")
    return float(v)


def _rows(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """The rows of a list field (probes, variants); anything but a list of objects is
    refused with the field's name (a JSON client can send ``[1]`` where a form cannot)."""
    rows = data.get(key) or []
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise InvalidInput(f"{key}: a list of rows (JSON objects) is needed")
    return rows


def _variant(d: Mapping[str, Any], i: int) -> Variant:
    gene = str(d.get("gene", "")).strip().upper()
    if not _GENE.match(gene):
        raise InvalidInput(f"variants[{i}].gene: {gene!r} is not a gene symbol")
    hgvs_c = str(d.get("hgvs_c", "")).strip()
    if not _HGVS_C.match(hgvs_c):
        raise InvalidInput(f"variants[{i}].hgvs_c: {hgvs_c!r} is not HGVS (e.g. c.1849G>T)")
    hgvs_p = str(d.get("hgvs_p", "") or "").strip()
    if hgvs_p and not _HGVS_P.match(hgvs_p):
        raise InvalidInput(f"variants[{i}].hgvs_p: {hgvs_p!r} is not HGVS (e.g. p.V617F)")
    return Variant(
        gene=gene,
        hgvs_c=hgvs_c,
        vaf_percent=_float(d.get("vaf_percent"), f"variants[{i}].vaf_percent", 0.0, 100.0),
        hgvs_p=hgvs_p,
        transcript=str(d.get("transcript", "") or ""),
        classification=_classification(str(d.get("classification", "") or "").strip(), i),
    )


def _genes_tested(value: Any) -> tuple[str, ...]:
    """The genes a panel covered: a gene not listed is not tested, never wild type."""
    if value is None or value == "":
        return ()
    items = value.replace(";", ",").split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise InvalidInput("genes_tested: a list of gene symbols")
    genes = tuple(sorted({str(g).strip().upper() for g in items if str(g).strip()}))
    for gene in genes:
        if not _GENE.match(gene):
            raise InvalidInput(f"genes_tested: {gene!r} is not a gene symbol")
    return genes


def parse_result(test: TestType, data: Mapping[str, Any]) -> LabResult:
    """The structured result of ``test`` from a plain mapping (form, file or database)."""
    if test == TestType.KARYOTYPE:
        analysed = _int(data, "metaphases_analysed", 1, 200)
        abnormal = None
        if data.get("abnormal_metaphases") is not None:
            abnormal = _int(data, "abnormal_metaphases", 0, analysed)
        return KaryotypeResult(
            iscn=check_iscn(str(data.get("iscn", ""))),
            metaphases_analysed=analysed,
            interpretation=str(data.get("interpretation", "")),
            abnormal_metaphases=abnormal,
        )
    if test == TestType.FISH:
        probes = []
        for i, p in enumerate(_rows(data, "probes")):
            scored = _int(p, "nuclei_scored", 1, 100_000, f"probes[{i}].")
            abnormal = _int(p, "abnormal_nuclei", 0, 100_000, f"probes[{i}].")
            if abnormal > scored:
                raise InvalidMeasurement(f"probes[{i}].abnormal_nuclei: more than nuclei scored")
            cutoff = p.get("cutoff_percent")
            name = str(p.get("probe", "")).strip()
            if not name:
                raise InvalidInput(f"probes[{i}].probe: name required")
            probes.append(
                FishProbe(
                    name,
                    scored,
                    abnormal,
                    None
                    if cutoff is None
                    else _float(cutoff, f"probes[{i}].cutoff_percent", 0, 100),
                )
            )
        if not probes:
            raise InvalidInput("probes: at least one FISH probe is needed")
        return FishResult(tuple(probes), str(data.get("interpretation", "")))
    if test == TestType.MOLECULAR_PANEL:
        variants = tuple(_variant(v, i) for i, v in enumerate(_rows(data, "variants")))
        return MolecularResult(
            variants,
            str(data.get("panel", "")),
            str(data.get("interpretation", "")),
            _genes_tested(data.get("genes_tested")),
        )
    if test == TestType.MRD:
        return parse_mrd(data)
    if test == TestType.CULTURE:
        organism = data.get("organism")
        organism = str(organism).strip() if organism else None
        return CultureResult(
            organism,
            _int(data, "incubation_days", 1, 60),
            str(data.get("susceptibility", "") or ""),
        )
    text = str(data.get("text", "")).strip()
    if not text:
        raise InvalidInput(f"text: the {test.value} result needs its report text")
    values = {
        str(k): _float(v, f"values.{k}", -1e6, 1e6) for k, v in (data.get("values") or {}).items()
    }
    return NarrativeResult(text, values)


def result_to_dict(result: LabResult) -> dict[str, Any]:
    """The mapping ``parse_result`` reads back (stored as JSON)."""
    if isinstance(result, KaryotypeResult):
        return {
            "iscn": result.iscn,
            "metaphases_analysed": result.metaphases_analysed,
            "abnormal_metaphases": result.abnormal_metaphases,
            "interpretation": result.interpretation,
        }
    if isinstance(result, FishResult):
        return {
            "probes": [
                {
                    "probe": p.probe,
                    "nuclei_scored": p.nuclei_scored,
                    "abnormal_nuclei": p.abnormal_nuclei,
                    "cutoff_percent": p.cutoff_percent,
                }
                for p in result.probes
            ],
            "interpretation": result.interpretation,
        }
    if isinstance(result, MolecularResult):
        molecular: dict[str, Any] = {
            "variants": [
                {
                    "gene": v.gene,
                    "hgvs_c": v.hgvs_c,
                    "hgvs_p": v.hgvs_p,
                    "vaf_percent": v.vaf_percent,
                    "transcript": v.transcript,
                    "classification": v.classification,
                }
                for v in result.variants
            ],
            "panel": result.panel,
            "interpretation": result.interpretation,
        }
        if result.genes_tested:  # only when given, so earlier results read back unchanged
            molecular["genes_tested"] = list(result.genes_tested)
        return molecular
    if isinstance(result, MrdResult):
        return mrd_to_dict(result)
    if isinstance(result, CultureResult):
        return {
            "organism": result.organism,
            "incubation_days": result.incubation_days,
            "susceptibility": result.susceptibility,
        }
    return {"text": result.text, "values": dict(result.values)}
