"""Everything a marrow work-up gives the classification engine, each part optional.

None always means "not done or not known", never "normal": the engine then marks the
criteria that need it UNKNOWN and says which result is missing. A molecular panel is two
facts: ``variants`` (the mutations found; None = no panel) and ``genes_tested`` (what the
panel covered). A gene outside ``genes_tested`` is unknown, not wild type; so is every gene
not listed in ``variants`` while ``genes_tested`` is None, because nothing says it was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from marrowscope.domain.diagnosis.findings import KaryotypeFacts, Rearrangement, Variant
from marrowscope.domain.errors import InvalidInput

__all__ = ["DiagnosticFindings", "Sex"]


class Sex(Enum):
    """Needed only for the haemoglobin limit of cytopenia (13 g/dL male, 12 female)."""

    MALE = "male"
    FEMALE = "female"


_PERCENT_FIELDS = (
    "monocytes_percent_blood",
    "blasts_percent_blood",
    "blasts_percent_marrow",
    "erythroid_percent",
    "ring_sideroblasts_percent",
    "plasma_cells_percent",
    "cellularity_percent",
)
_NON_NEGATIVE_FIELDS = (
    "haemoglobin_g_per_dl",
    "platelets_10e9_per_l",
    "anc_10e9_per_l",
    "wbc_10e9_per_l",
    "monocytes_10e9_per_l",
)


@dataclass(frozen=True)
class DiagnosticFindings:
    """One case's results at the time of classification (all optional).

    Blasts: ``blasts_percent_marrow`` of all nucleated marrow cells and
    ``blasts_percent_blood`` of leucocytes, promonocytes counted as blast equivalents.
    Dysplasia: either ``dysplastic_lineages`` (how many lineages show >=10 % dysplastic
    cells) or the per-lineage booleans; the count wins when both are given.
    Rearrangements: those in ``karyotype.rearrangements`` and in ``fusions_detected``
    (FISH, RT-PCR, RNA panel) are both used; ``fusions_tested`` names what a targeted test
    looked for, so that a negative FISH counts as "absent" without a karyotype.
    TP53 copy number: ``tp53_copy_loss`` (17p13.1 loss by FISH or array) and
    ``tp53_cnloh`` (copy-neutral LOH by SNP array) complement the karyotype's del(17p).
    """

    sex: Sex | None = None
    # Blood count
    haemoglobin_g_per_dl: float | None = None
    platelets_10e9_per_l: float | None = None
    anc_10e9_per_l: float | None = None
    wbc_10e9_per_l: float | None = None
    monocytes_10e9_per_l: float | None = None
    monocytes_percent_blood: float | None = None
    blasts_percent_blood: float | None = None
    monocytosis_persistent: bool | None = None
    # Marrow aspirate
    blasts_percent_marrow: float | None = None
    erythroid_percent: float | None = None
    ring_sideroblasts_percent: float | None = None
    dysplastic_lineages: int | None = None
    dysplasia_erythroid: bool | None = None
    dysplasia_granulocytic: bool | None = None
    dysplasia_megakaryocytic: bool | None = None
    auer_rods: bool | None = None
    plasma_cells_percent: float | None = None
    # Genetics
    karyotype: KaryotypeFacts | None = None
    variants: tuple[Variant, ...] | None = None
    genes_tested: frozenset[str] | None = None
    fusions_detected: frozenset[Rearrangement] | None = None
    fusions_tested: frozenset[Rearrangement] | None = None
    tp53_copy_loss: bool | None = None
    tp53_cnloh: bool | None = None
    # Flow cytometry
    abnormal_monocyte_partitioning: bool | None = None
    # Trephine
    fibrosis_grade: int | None = None
    cellularity_percent: float | None = None
    hypoplastic: bool | None = None
    # History
    prior_cytotoxic_therapy: bool | None = None
    prior_mds: bool | None = None
    prior_mds_mpn: bool | None = None
    germline_predisposition_known: bool | None = None

    def __post_init__(self) -> None:
        """Refuse impossible values here, so that no rule compares against nonsense."""
        for name in _PERCENT_FIELDS:
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 100.0:
                raise InvalidInput(f"{name} must be a percentage from 0 to 100, not {value}")
        for name in _NON_NEGATIVE_FIELDS:
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidInput(f"{name} cannot be negative ({value})")
        if self.dysplastic_lineages is not None and not 0 <= self.dysplastic_lineages <= 3:
            raise InvalidInput(
                f"dysplastic_lineages must be 0 to 3, not {self.dysplastic_lineages}"
            )
        if self.fibrosis_grade is not None and not 0 <= self.fibrosis_grade <= 3:
            raise InvalidInput(f"fibrosis_grade must be MF-0 to MF-3, not {self.fibrosis_grade}")
        for variant in self.variants or ():
            if variant.vaf_percent is not None and not 0.0 <= variant.vaf_percent <= 100.0:
                raise InvalidInput(
                    f"VAF of {variant.gene} must be 0 to 100 %, not {variant.vaf_percent}"
                )

    def lineage_count(self) -> int | None:
        """Lineages with >=10 % dysplasia; None unless the count or all three flags are known.

        With some flags True and others unknown, the True ones are a lower bound; that
        bound is returned only when it already reaches 2 (multilineage cannot go lower).
        """
        if self.dysplastic_lineages is not None:
            return self.dysplastic_lineages
        flags = (
            self.dysplasia_erythroid,
            self.dysplasia_granulocytic,
            self.dysplasia_megakaryocytic,
        )
        known_true = sum(1 for flag in flags if flag)
        if all(flag is not None for flag in flags) or known_true >= 2:
            return known_true
        return None

    def all_rearrangements(self) -> frozenset[Rearrangement]:
        """Fusions seen by karyotype or by a targeted test."""
        seen = set(self.fusions_detected or ())
        if self.karyotype is not None:
            seen |= self.karyotype.rearrangements
        return frozenset(seen)

    def variants_of(self, gene: str) -> tuple[Variant, ...]:
        """The reported variants in one gene (empty when none or no panel)."""
        return tuple(v for v in self.variants or () if v.gene.upper() == gene.upper())

    def gene_read(self, gene: str) -> bool:
        """Whether a panel was done and covered this gene (so absence means wild type)."""
        if self.variants is None or self.genes_tested is None:
            return False
        return gene.upper() in {g.upper() for g in self.genes_tested}
