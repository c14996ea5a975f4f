"""The shared vocabulary of integrated diagnosis: findings in, criteria and gaps out.

Karyotype parsing, classification (WHO 2022 / ICC 2022 / IMWG 2014) and the risk scores
(ELN 2022, IPSS-R, IPSS-M, R-ISS, R2-ISS) are separate modules; they meet here so that a
karyotype read once feeds every engine, and every engine explains itself the same way:
each criterion met, not met or unknown, with its value and its source. An engine that
cannot decide says which result is missing instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "Candidate",
    "Criterion",
    "CriterionStatus",
    "IpssrCytoGroup",
    "KaryotypeFacts",
    "MissingResult",
    "Rearrangement",
    "RiskResult",
    "Variant",
]


class CriterionStatus(Enum):
    """Whether one criterion holds; UNKNOWN when an input it needs was not given."""

    MET = "met"
    NOT_MET = "not met"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Criterion:
    """One line of an engine's trace: what was tested, on which value, against which source."""

    id: str
    text: str
    status: CriterionStatus
    value: str | None
    source: str


@dataclass(frozen=True)
class MissingResult:
    """A result not given that could change a category or a risk group, and how."""

    what: str
    could_change: str


@dataclass(frozen=True)
class Variant:
    """One somatic (or germline) variant from a molecular panel.

    ``vaf_percent`` is the variant allele fraction in percent (None when not reported);
    ``detail`` holds the HGVS protein change or a free description (e.g. "ITD", "bZIP
    in-frame", "PTD").
    """

    gene: str
    vaf_percent: float | None = None
    detail: str = ""
    germline: bool = False


class IpssrCytoGroup(Enum):
    """IPSS-R cytogenetic risk groups (Schanz 2012, J Clin Oncol 30:820; Greenberg 2012)."""

    VERY_GOOD = "Very Good"
    GOOD = "Good"
    INTERMEDIATE = "Intermediate"
    POOR = "Poor"
    VERY_POOR = "Very Poor"


class Rearrangement(Enum):
    """Recurrent rearrangements that define or qualify myeloid neoplasms (WHO 2022, ICC 2022)."""

    RUNX1_RUNX1T1 = "t(8;21)(q22;q22.1)"
    CBFB_MYH11 = "inv(16)(p13.1q22) or t(16;16)(p13.1;q22)"
    PML_RARA = "t(15;17)(q24.1;q21.2)"
    KMT2A_MLLT3 = "t(9;11)(p21.3;q23.3)"
    KMT2A_OTHER = "other 11q23.3 (KMT2A) rearrangement"
    DEK_NUP214 = "t(6;9)(p22.3;q34.1)"
    GATA2_MECOM = "inv(3)(q21.3q26.2) or t(3;3)(q21.3;q26.2)"
    MECOM_OTHER = "other 3q26.2 (MECOM) rearrangement"
    BCR_ABL1 = "t(9;22)(q34.1;q11.2)"
    RBM15_MRTFA = "t(1;22)(p13.3;q13.1)"
    NUP98_NSD1 = "t(5;11)(q35.2;p15.4)"
    NUP98_KDM5A = "t(11;12)(p15.4;p13.3)"
    KAT6A_CREBBP = "t(8;16)(p11.2;p13.3)"
    ETV6_MNX1 = "t(7;12)(q36.3;p13.2)"
    FUS_ERG = "t(16;21)(p11.2;q22.2)"
    RUNX1_CBFA2T3 = "t(16;21)(q24.3;q22.1)"
    CBFA2T3_GLIS2 = "inv(16)(p13.3q24.3)"


@dataclass(frozen=True)
class KaryotypeFacts:
    """What a parsed karyotype says, in the terms the classifications and scores use.

    Produced by ``domain.diagnosis.karyotype`` from an ISCN string; an engine may also be
    given one built by hand (e.g. from FISH alone). Counting rules differ between systems,
    so both counts are kept, each named for its rule.
    """

    iscn: str
    normal: bool
    metaphases_total: int | None = None
    metaphases_abnormal: int | None = None
    abnormality_count_who_icc: int = 0
    abnormality_count_eln: int = 0
    complex_who_icc: bool = False
    complex_eln: bool = False
    monosomal: bool = False
    del5q: bool = False
    minus5: bool = False
    minus7: bool = False
    del7q: bool = False
    del17p: bool = False
    i17q: bool = False
    minus17: bool = False
    plus8: bool = False
    del20q: bool = False
    minus_y: bool = False
    del11q: bool = False
    del12p: bool = False
    plus19: bool = False
    rearrangements: frozenset[Rearrangement] = field(default_factory=frozenset)
    ipssr_group: IpssrCytoGroup | None = None
    # Myelodysplasia-related abnormalities that WHO 2022 / ICC 2022 name for AML-MR and
    # that the flags above do not cover (added for the classification engine).
    minus13: bool = False
    del13q: bool = False
    idic_xq13: bool = False


@dataclass(frozen=True)
class Candidate:
    """A category a case is consistent with, under one named system, with its whole trace.

    ``settled`` is False while any result in ``missing`` could still change the category:
    the screen and the report then say what is missing instead of stating the category.
    """

    system: str
    name: str
    wording: str
    criteria: tuple[Criterion, ...]
    missing: tuple[MissingResult, ...] = ()
    qualifiers: tuple[str, ...] = ()

    @property
    def settled(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class RiskResult:
    """A risk score or group, its inputs as criteria, and what is missing to settle it.

    ``category`` is None when the inputs do not allow one; ``alternatives`` holds named
    bounds such as IPSS-M's best and worst scores when genes were not tested.
    """

    system: str
    category: str | None
    score: float | None
    criteria: tuple[Criterion, ...]
    source: str
    missing: tuple[MissingResult, ...] = ()
    alternatives: tuple[tuple[str, float | None, str | None], ...] = ()
