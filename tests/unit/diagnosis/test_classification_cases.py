"""Hand-built cases; every expected category is read from the papers, not from the code.

WHO = Khoury 2022 (Leukemia 36:1703), ICC = Arber 2022 (Blood 140:1200).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from marrowscope.domain.diagnosis.classification import (
    NO_CATEGORY,
    DiagnosticFindings,
    Sex,
    classify,
)
from marrowscope.domain.diagnosis.findings import Candidate, KaryotypeFacts, Rearrangement, Variant

PANEL = frozenset(
    {
        "NPM1",
        "CEBPA",
        "TP53",
        "SF3B1",
        "RUNX1",
        "ASXL1",
        "BCOR",
        "EZH2",
        "SRSF2",
        "STAG2",
        "U2AF1",
        "ZRSR2",
        "TET2",
        "DDX41",
        "FLT3",
        "GATA2",
    }
)
NORMAL = KaryotypeFacts(iscn="46,XY[20]", normal=True)


def karyotype(iscn: str, count: int, **flags: Any) -> KaryotypeFacts:
    return KaryotypeFacts(
        iscn=iscn,
        normal=False,
        abnormality_count_who_icc=count,
        complex_who_icc=count >= 3,
        **flags,
    )


def fusion_karyotype(r: Rearrangement) -> KaryotypeFacts:
    return KaryotypeFacts(
        iscn=r.value, normal=False, abnormality_count_who_icc=1, rearrangements=frozenset({r})
    )


def mds(**changes: Any) -> DiagnosticFindings:
    """Cytopenic marrow, one dysplastic lineage, 2 % blasts, normal karyotype, clean panel."""
    base = DiagnosticFindings(
        sex=Sex.MALE,
        haemoglobin_g_per_dl=9.0,
        platelets_10e9_per_l=100.0,
        anc_10e9_per_l=1.0,
        wbc_10e9_per_l=3.0,
        monocytes_10e9_per_l=0.2,
        blasts_percent_blood=0.0,
        blasts_percent_marrow=2.0,
        ring_sideroblasts_percent=0.0,
        dysplastic_lineages=1,
        auer_rods=False,
        karyotype=NORMAL,
        variants=(),
        genes_tested=PANEL,
        tp53_copy_loss=False,
        tp53_cnloh=False,
        fibrosis_grade=1,
        hypoplastic=False,
        prior_cytotoxic_therapy=False,
        prior_mds=False,
        prior_mds_mpn=False,
    )
    return replace(base, **changes)


def aml(**changes: Any) -> DiagnosticFindings:
    return mds(blasts_percent_marrow=40.0, blasts_percent_blood=30.0, **changes)


def both(findings: DiagnosticFindings) -> tuple[Candidate, Candidate]:
    who, icc = classify(findings)
    assert who.system == "WHO 2022"
    assert icc.system == "ICC 2022"
    return who, icc


def names(findings: DiagnosticFindings) -> tuple[str, str]:
    who, icc = both(findings)
    return who.name, icc.name


def missing(candidate: Candidate) -> set[str]:
    return {m.what for m in candidate.missing}


__all__ = [
    "NO_CATEGORY",
    "NORMAL",
    "PANEL",
    "Rearrangement",
    "Sex",
    "Variant",
    "aml",
    "both",
    "fusion_karyotype",
    "karyotype",
    "mds",
    "missing",
    "names",
]
