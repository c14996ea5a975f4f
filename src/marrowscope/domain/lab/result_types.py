"""The shapes of structured laboratory results, one per test type where the field has a
shape (karyotype in ISCN, FISH probes, molecular variants, culture, narrative)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from marrowscope.domain.errors import InvalidInput

__all__ = [
    "check_iscn",
    "KaryotypeResult",
    "FishProbe",
    "FishResult",
    "Variant",
    "MolecularResult",
    "CultureResult",
    "NarrativeResult",
    "MrdMethod",
    "MrdResult",
    "VARIANT_CLASSES",
    "LabResult",
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
    genes_tested: tuple[str, ...] = ()  # empty: the panel's gene list was not given


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


class MrdMethod(StrEnum):
    """How residual disease was measured; each has its own reach (sensitivity)."""

    FLOW = "flow"  # multiparameter flow cytometry (LAIP / different-from-normal)
    NPM1_QPCR = "npm1_qpcr"  # NPM1 mutant transcripts by RT-qPCR, per ABL1 copies
    QPCR = "qpcr"  # another fusion or mutation transcript by RT-qPCR
    NGS = "ngs"  # next-generation sequencing (NGS-MRD, clonotype)


@dataclass(frozen=True, slots=True)
class MrdResult:
    """A measurable-residual-disease result: the laboratory's call (detected or not, at
    its own threshold), the level measured, and the assay's sensitivity as a fraction
    (1e-4 = one cell in 10,000 = 0.01 %).

    A negative result means nothing without its sensitivity, so the sensitivity is
    required (ELN MRD 2021: report the assay and its sensitivity; Heuser N et al.
    Blood 2021;138:2753, doi:10.1182/blood.2021013626).
    """

    method: MrdMethod
    target: str
    detected: bool
    sensitivity: float
    level_percent: float | None = None
    cells_analysed: int | None = None
    interpretation: str = ""


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


LabResult = (
    KaryotypeResult | FishResult | MolecularResult | CultureResult | MrdResult | NarrativeResult
)
