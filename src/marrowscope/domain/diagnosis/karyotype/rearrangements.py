"""Which recurrent rearrangements (findings.Rearrangement) a karyotype carries.

Read from t, inv and ins, and from the t/ins parts of a der (der(22)t(9;22)(q34;q11.2)
is the Philadelphia chromosome), never from del or add. Bands are compared by chromosome
and major band, so variants in sub-band (q22 / q22.1) and chromosome order (t(21;8))
are recognised alike. The table rows are in ``tables/karyotype.toml``.
"""

from __future__ import annotations

from collections.abc import Iterator

from marrowscope.domain.diagnosis.findings import Rearrangement
from marrowscope.domain.diagnosis.karyotype.model import (
    Abnormality,
    AbnormalityKind,
    Karyotype,
)
from marrowscope.domain.diagnosis.karyotype.rules import (
    RearrangementRule,
    partner_any_rules,
    rearrangement_rules,
)

__all__ = ["events", "rearrangements_in", "recognise"]


def events(item: Abnormality) -> Iterator[Abnormality]:
    """The rearrangement events an item stands for: itself, or the parts of a der."""
    if item.kind in (AbnormalityKind.DER, AbnormalityKind.IDER):
        yield from item.components
    else:
        yield item


def _tagged_bands(event: Abnormality) -> set[str]:
    """ "8q22"-style labels of every breakpoint (ranges contribute both ends)."""
    labels: set[str] = set()
    for chromosome, group in zip(event.chromosomes, event.breakpoints, strict=False):
        for point in group:
            labels.add(chromosome + point.major)
            if point.upto is not None:
                labels.add(chromosome + point.upto.major)
    return labels


def _matches(rule: RearrangementRule, event: Abnormality) -> bool:
    if event.kind not in rule.kinds or frozenset(event.chromosomes) != rule.chromosomes:
        return False
    if not event.breakpoints:
        return rule.bandless
    bands = _tagged_bands(event)
    return all(options & bands for options in rule.breakpoints)


def recognise(event: Abnormality) -> frozenset[Rearrangement]:
    """The members one event is read as (a t(9;11) is KMT2A_MLLT3 only, not also OTHER)."""
    found = {rule.member for rule in rearrangement_rules() if _matches(rule, event)}
    bands = _tagged_bands(event)
    for rule in partner_any_rules():
        if event.kind in rule.kinds and rule.band in bands and not found & rule.unless:
            found.add(rule.member)
    return frozenset(found)


def rearrangements_in(karyotype: Karyotype) -> frozenset[Rearrangement]:
    """Every member recognised in any clone (constitutional items excepted)."""
    found: set[Rearrangement] = set()
    for clone in karyotype.clones:
        for item in clone.acquired:
            for event in events(item):
                found |= recognise(event)
    return frozenset(found)
