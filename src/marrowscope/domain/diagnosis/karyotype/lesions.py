"""Named lesions: whole-chromosome gains and losses, and arm losses however they arise.

WHO 2022 counts "5q deletion or loss of 5q due to unbalanced translocation" (likewise
7q, 12p, 17p) as one lesion, so an arm is lost by del() on it, by a der that replaces a
normal homologue and keeps only the part proximal to its breakpoint, by a whole-arm
der/dic that keeps the other arm, and by an isochromosome of the other arm. add() is not
read as a loss (ISCN's add says the attached material is unknown, not that the segment
is gone for good), nor is any extra (+) copy of a derivative. Rules and sources:
``tables/karyotype.toml`` rule ``lesion.arm_loss``.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.karyotype.model import (
    Abnormality,
    AbnormalityKind,
    Arm,
    Breakpoint,
    Sign,
)

__all__ = ["arm_losses", "is_idic_xq13", "is_isochromosome_17q", "whole_change"]

_OTHER_ARM = {Arm.P: Arm.Q, Arm.Q: Arm.P}
_FUSED = (AbnormalityKind.DER, AbnormalityKind.DIC, AbnormalityKind.IDIC)
_ISO = (AbnormalityKind.I, AbnormalityKind.IDIC, AbnormalityKind.IDER)


def whole_change(item: Abnormality) -> str | None:
    """ "+8" or "-7" for a whole-chromosome gain or loss, else None."""
    if item.kind is not AbnormalityKind.NUMERICAL:
        return None
    return item.sign.value + item.chromosomes[0]


def is_isochromosome_17q(item: Abnormality) -> bool:
    """i(17)(q10), also written i(17q): two copies of 17q joined at the centromere."""
    return (
        item.kind is AbnormalityKind.I
        and item.chromosomes == ("17",)
        and bool(item.breakpoints)
        and item.breakpoints[0][0].arm is Arm.Q
        and item.breakpoints[0][0].whole_arm
    )


def is_idic_xq13(item: Abnormality) -> bool:
    """idic(X)(q13), a myelodysplasia-related abnormality of WHO 2022 and ICC 2022."""
    return (
        item.kind is AbnormalityKind.IDIC
        and item.chromosomes == ("X",)
        and bool(item.breakpoints)
        and item.breakpoints[0][0].major == "q13"
    )


def _lost_by_point(chromosome: str, point: Breakpoint) -> set[str]:
    """A chromosome cut at ``point`` that keeps its centromere loses what lies distal; cut at
    the centromere itself (p10/q10) it keeps the named arm and loses the other."""
    if point.arm not in _OTHER_ARM:
        return set()
    if point.whole_arm:
        return {chromosome + _OTHER_ARM[point.arm].value}
    return {chromosome + point.arm.value}


def arm_losses(item: Abnormality) -> frozenset[str]:
    """Arms ("5q", "17p") of which this item loses at least a part."""
    if item.sign is Sign.PLUS or item.constitutional:
        return frozenset()
    lost: set[str] = set()
    if item.kind is AbnormalityKind.DEL and item.breakpoints:
        lost |= _deleted_arms(item)
    elif item.kind in _ISO and item.breakpoints:
        lost |= _lost_by_point(item.chromosomes[0], item.breakpoints[0][0])
    elif item.kind in _FUSED and len(item.chromosomes) > 1 and item.breakpoints:
        for chromosome, group in zip(item.chromosomes, item.breakpoints, strict=True):
            lost |= _lost_by_point(chromosome, group[0])
    elif item.kind is AbnormalityKind.DER and len(item.chromosomes) == 1:
        lost |= _lost_by_derivative(item.chromosomes[0], item.components)
    return frozenset(lost)


def _deleted_arms(item: Abnormality) -> set[str]:
    chromosome = item.chromosomes[0]
    return {chromosome + p.arm.value for p in item.breakpoints[0] if p.arm in _OTHER_ARM}


def _lost_by_derivative(chromosome: str, parts: tuple[Abnormality, ...]) -> set[str]:
    """der(K) replacing a normal K: K loses what lies beyond its breakpoint in each t(K;M),
    and what its own del() parts delete."""
    lost: set[str] = set()
    for part in parts:
        if part.kind is AbnormalityKind.DEL and part.chromosomes == (chromosome,):
            lost |= _deleted_arms(part)
        if part.kind is not AbnormalityKind.T or not part.breakpoints:
            continue
        for name, group in zip(part.chromosomes, part.breakpoints, strict=True):
            if name == chromosome and group[0].arm in _OTHER_ARM:
                lost.add(chromosome + group[0].arm.value)
    return lost
