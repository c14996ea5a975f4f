"""Structured laboratory results, one shape per test type where the field has a shape.

Karyotypes are ISCN text (checked for form, not interpreted); FISH results name each
probe with nuclei scored; molecular results list variants as gene / HGVS / VAF; a
culture names its organism or reports no growth; the other tests are narrative text
with optional structured numbers. Interpretations are worded "consistent with", never
as a diagnosis.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.specimen import TestType

__all__ = [
    "VARIANT_CLASSES",
    "CultureResult",
    "FishProbe",
    "FishResult",
    "KaryotypeResult",
    "LabResult",
    "MolecularResult",
    "NarrativeResult",
    "Variant",
    "check_iscn",
    "parse_result",
    "result_to_dict",
]

# One clone: count (or range), optional ploidy, sex chromosomes, abnormalities, [cells].
_CLONE = re.compile(
    r"^(?P<count>\d{2,3}(?:~\d{2,3})?)(?:<\dn>)?,"
    r"(?P<sex>[XY]{1,5}|-[XY]|X,-X|X,-Y|idem|sl|sdl\d?)"
    r"(?P<rest>(?:,[^,\[\]/]+)*)"
    r"\[(?P<cells>(?:cp)?\d{1,3})\]$"
)


def check_iscn(text: str) -> str:
    """An ISCN karyotype string checked for form; clones are separated by '/'.

    Examples: ``46,XY[20]``, ``47,XX,+8[15]/46,XX[5]``,
    ``46,XY,t(9;22)(q34.1;q11.2)[20]``.
    """
    cleaned = re.sub(r"\s+", "", text)
    if not cleaned:
        raise InvalidInput("karyotype: ISCN text required")
    for clone in cleaned.split("/"):
        m = _CLONE.match(clone)
        if m is None:
            raise InvalidInput(
                f"karyotype: {clone!r} is not ISCN (e.g. 46,XY,t(9;22)(q34;q11.2)[20])"
            )
        low = int(m.group("count").split("~")[0])
        if not 23 <= low <= 200:
            raise InvalidInput(f"karyotype: chromosome count {low} is not possible")
        for bracket in re.findall(r"\(([^()]*)\)", m.group("rest") or ""):
            if not bracket:
                raise InvalidInput(f"karyotype: empty parentheses in {clone!r}")
    return cleaned


@dataclass(frozen=True, slots=True)
class KaryotypeResult:
    """Conventional cytogenetics."""

    iscn: str
    metaphases_analysed: int
    interpretation: str = ""
    abnormal_metaphases: int | None = None  # None: not stated (older results)


@dataclass(frozen=True, slots=True)
class FishProbe:
    """One probe's count."""

    probe: str
    nuclei_scored: int
    abnormal_nuclei: int
    cutoff_percent: float | None = None

    @property
    def percent_abnormal(self) -> float:
        return round(100 * self.abnormal_nuclei / self.nuclei_scored, 1)

    @property
    def above_cutoff(self) -> bool | None:
        return None if self.cutoff_percent is None else self.percent_abnormal > self.cutoff_percent

    @property
    def call(self) -> str:
        """'abnormal' above the laboratory's cut-off, 'normal' at or below it."""
        above = self.above_cutoff
        return "no cut-off given" if above is None else "abnormal" if above else "normal"


@dataclass(frozen=True, slots=True)
class FishResult:
    """Interphase FISH."""

    probes: tuple[FishProbe, ...]
    interpretation: str = ""


@dataclass(frozen=True, slots=True)
class Variant:
    """A sequence variant: gene, HGVS description(s), variant allele frequency."""

    gene: str
    hgvs_c: str
    vaf_percent: float
    hgvs_p: str = ""
    transcript: str = ""
    classification: str = ""  # e.g. "tier I", "pathogenic"


@dataclass(frozen=True, slots=True)
class MolecularResult:
    """A molecular panel; no variants = 'no variants detected' in the genes covered."""

    variants: tuple[Variant, ...]
    panel: str = ""
    interpretation: str = ""


@dataclass(frozen=True, slots=True)
class CultureResult:
    """Marrow culture: the organism, or None for no growth after ``incubation_days``."""

    organism: str | None
    incubation_days: int
    susceptibility: str = ""


@dataclass(frozen=True, slots=True)
class NarrativeResult:
    """Morphology, iron stain, flow cytometry, histology, IHC: text plus numbers."""

    text: str
    values: Mapping[str, float]


# ACMG/AMP germline terms (Richards 2015, doi:10.1038/gim.2015.30) and AMP/ASCO/CAP somatic
# tiers (Li 2017, doi:10.1016/j.jmoldx.2016.10.002): the words a variant row may carry.
VARIANT_CLASSES: tuple[str, ...] = (
    "pathogenic",
    "likely pathogenic",
    "VUS",
    "likely benign",
    "benign",
    "tier I",
    "tier II",
    "tier III",
    "tier IV",
)

LabResult = KaryotypeResult | FishResult | MolecularResult | CultureResult | NarrativeResult

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
            variants, str(data.get("panel", "")), str(data.get("interpretation", ""))
        )
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
        return {
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
    if isinstance(result, CultureResult):
        return {
            "organism": result.organism,
            "incubation_days": result.incubation_days,
            "susceptibility": result.susceptibility,
        }
    return {"text": result.text, "values": dict(result.values)}
