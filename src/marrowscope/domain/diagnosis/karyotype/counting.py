"""How many abnormalities a karyotype has, under each system's rule, and what that makes it.

Rules and their sources are in ``tables/karyotype.toml`` (``count.unit``, ``count.who_icc``,
``count.eln``, ``complex``, ``monosomal``); the numbers compared against are read from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.domain.diagnosis.findings import Rearrangement
from marrowscope.domain.diagnosis.karyotype.model import (
    AUTOSOMES,
    Abnormality,
    AbnormalityKind,
    Clone,
    Karyotype,
    Sign,
)
from marrowscope.domain.diagnosis.karyotype.rules import counting_rules

__all__ = ["Tally", "complex_karyotype", "monosomal_karyotype", "tally"]


def _is_marker(item: Abnormality) -> bool:
    """Markers and rings of unknown origin: counted by number, not by identity."""
    return item.kind is AbnormalityKind.MAR or (
        item.kind is AbnormalityKind.R and not item.chromosomes
    )


def markers_in(clone: Clone) -> int:
    return sum(item.amount[0] for item in clone.acquired if _is_marker(item))


@dataclass(frozen=True)
class Tally:
    """The distinct acquired abnormalities of all clones, markers apart.

    ``counted`` keeps the first occurrence of each item (an item inherited by idem/sl/sdl
    is the same item); ``markers`` is the most markers any one clone carries.
    """

    counted: tuple[Abnormality, ...]
    markers: int
    related_repeats: int
    modal_above_46: bool

    @property
    def who_icc(self) -> int:
        return len(self.counted) + self.markers

    @property
    def eln(self) -> int:
        """Unrelated abnormalities: derivatives of an already counted translocation drop out."""
        return self.who_icc - self.related_repeats

    @property
    def structural(self) -> bool:
        return self.markers > 0 or any(item.kind.structural for item in self.counted)


def _rearrangement_key(item: Abnormality) -> frozenset[Abnormality] | None:
    """What a t or a der made of t's is a product of, to tell related derivatives apart."""
    if item.kind is AbnormalityKind.T:
        return frozenset({Abnormality(item.kind, item.chromosomes, item.breakpoints)})
    if item.kind is AbnormalityKind.DER and item.components:
        if all(part.kind is AbnormalityKind.T for part in item.components):
            return frozenset(item.components)
    return None


def _without_compensating_gains(counted: list[Abnormality]) -> list[Abnormality]:
    """ISCN writes +1,der(1;7)(q10;p10) because the der replaces a 1 and a 7; the +1 is
    part of that one unbalanced translocation, not a trisomy of its own."""
    fused = {
        chromosome
        for item in counted
        if item.kind in (AbnormalityKind.DER, AbnormalityKind.DIC)
        and item.sign is Sign.NONE
        and len(item.chromosomes) > 1
        for chromosome in item.chromosomes
    }
    return [item for item in counted if not (item.is_gain and item.chromosomes[0] in fused)]


def tally(karyotype: Karyotype) -> Tally:
    counted: list[Abnormality] = []
    for clone in karyotype.clones:
        for item in clone.acquired:
            if not _is_marker(item) and item not in counted:
                counted.append(item)
    counted = _without_compensating_gains(counted)
    keys = [key for key in map(_rearrangement_key, counted) if key is not None]
    related = len(keys) - len(set(keys))
    abnormal = [c for c in karyotype.clones if c.abnormal]
    return Tally(
        counted=tuple(counted),
        markers=max((markers_in(c) for c in abnormal), default=0),
        related_repeats=related,
        modal_above_46=any(c.modal_number.low > 46 for c in abnormal),
    )


def _hyperdiploid_trisomies_only(counts: Tally) -> bool:
    """ICC/ELN exclusion: hyperdiploid, >= 3 trisomies or polysomies, nothing structural."""
    gains = {item.chromosomes[0] for item in counts.counted if item.is_gain}
    return (
        counts.modal_above_46
        and not counts.structural
        and len(gains) >= counting_rules().hyperdiploid_min_trisomies
    )


def complex_karyotype(count: int, counts: Tally, found: frozenset[Rearrangement]) -> bool:
    """>= 3 abnormalities, without a class-defining rearrangement, not trisomies-only."""
    return (
        count >= counting_rules().complex_min_abnormalities
        and not found
        and not _hyperdiploid_trisomies_only(counts)
    )


def monosomal_karyotype(counts: Tally, found: frozenset[Rearrangement]) -> bool:
    """Breems 2008 / ELN 2022: >= 2 autosomal monosomies, or 1 with a structural change;
    not in core-binding-factor AML."""
    if found & counting_rules().core_binding_factor:
        return False
    monosomies = {
        item.chromosomes[0]
        for item in counts.counted
        if item.is_loss and item.chromosomes[0] in AUTOSOMES
    }
    return len(monosomies) >= 2 or (len(monosomies) == 1 and counts.structural)
