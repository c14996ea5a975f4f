"""The IPSS-R cytogenetic group (Schanz 2012; Greenberg 2012 Table 2).

Each counted abnormality gets the label the studies coded it under (del(5q) is a del()
of 5q: a der that loses 5q is "other" here, as it was not in the del(5q) category);
the group follows from the number of abnormalities and, for one or two, their labels.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.findings import IpssrCytoGroup
from marrowscope.domain.diagnosis.karyotype.counting import Tally, markers_in
from marrowscope.domain.diagnosis.karyotype.lesions import is_isochromosome_17q
from marrowscope.domain.diagnosis.karyotype.model import (
    Abnormality,
    AbnormalityKind,
    Arm,
    Karyotype,
)
from marrowscope.domain.diagnosis.karyotype.rearrangements import events
from marrowscope.domain.diagnosis.karyotype.rules import counting_rules

__all__ = ["ipssr_group", "ipssr_label"]

_WHOLE = {"-Y": "minus_y", "-7": "minus7", "+8": "plus8", "+19": "plus19"}
_DELETIONS = {"11q": "del11q", "5q": "del5q", "12p": "del12p", "20q": "del20q", "7q": "del7q"}
_SEVEN = frozenset({"minus7", "del7q"})


def _breaks_3q(item: Abnormality) -> bool:
    """inv(3), or a translocation (also inside a der) with a breakpoint on 3q."""
    if item.kind is AbnormalityKind.INV and item.chromosomes == ("3",):
        return True
    for event in events(item):
        if event.kind is not AbnormalityKind.T:
            continue
        for name, group in zip(event.chromosomes, event.breakpoints, strict=False):
            if name == "3" and any(point.arm is Arm.Q for point in group):
                return True
    return False


def ipssr_label(item: Abnormality) -> str:
    """The label of [ipssr_single] in tables/karyotype.toml that this abnormality carries."""
    if item.kind is AbnormalityKind.NUMERICAL:
        return _WHOLE.get(item.sign.value + item.chromosomes[0], "other")
    if item.kind is AbnormalityKind.DEL and item.breakpoints:
        arm = item.chromosomes[0] + item.breakpoints[0][0].arm.value
        return "chr3q" if arm == "3q" else _DELETIONS.get(arm, "other")
    if is_isochromosome_17q(item):
        return "i17q"
    return "chr3q" if _breaks_3q(item) else "other"


def _in_one_lineage(karyotype: Karyotype, units: list[Abnormality | None]) -> bool:
    """True when one clone carries both units (None stands for a marker chromosome)."""
    for clone in karyotype.clones:
        if all(
            (markers_in(clone) > 0) if unit is None else unit in clone.acquired for unit in units
        ):
            return True
    return False


def ipssr_group(karyotype: Karyotype, counts: Tally) -> IpssrCytoGroup:
    rules = counting_rules()
    count = counts.who_icc
    if count == 0:
        return IpssrCytoGroup.GOOD
    if count > rules.ipssr_very_poor_above:
        return IpssrCytoGroup.VERY_POOR
    if count >= rules.ipssr_poor_abnormalities:
        return IpssrCytoGroup.POOR
    units: list[Abnormality | None] = [*counts.counted, *([None] * counts.markers)]
    labels = [("other" if unit is None else ipssr_label(unit)) for unit in units]
    if count == 1:
        return rules.ipssr_group_of_single(labels[0])
    if _SEVEN & set(labels):
        return IpssrCytoGroup.POOR
    if "del5q" in labels and _in_one_lineage(karyotype, units):
        return IpssrCytoGroup.GOOD
    return IpssrCytoGroup.INTERMEDIATE
