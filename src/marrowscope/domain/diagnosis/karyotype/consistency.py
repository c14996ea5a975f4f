"""A cheap check that a clone's chromosome number agrees with what it lists.

Expected number = 22 autosomes per chromosome set + the sex chromosomes written
+ autosomal gains - autosomal losses + extra structural chromosomes (+der, +i, +mar ...)
- one per chromosome fused away (dic, rob, der(1;7) written without a sign). Gains and
losses of X and Y may or may not already be reflected in the sex chromosomes written
(ISCN writes 45,X,-Y), so each widens the window by its copies; so does a rearranged
X or Y (ISCN writes 46,X,del(X)(q21), leaving it out of the sex field). Without a written ploidy
(<3n>) any ploidy from 1n to 8n is accepted, so that 92,XXYY is not refused for being
tetraploid. Composite (cp) and incomplete (inc) clones are not checked: by definition
their listed abnormalities are not all in one cell.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.karyotype.model import (
    Abnormality,
    AbnormalityKind,
    Clone,
    Sign,
)

__all__ = ["check_chromosome_number"]

_FUSING = (AbnormalityKind.DIC, AbnormalityKind.ROB, AbnormalityKind.DER)


def check_chromosome_number(clone: Clone) -> str | None:
    """A message if the number cannot match the list under any ploidy, else None."""
    if clone.composite or clone.incomplete:
        return None
    low, high, sex_slack = 0, 0, 0
    for item in clone.abnormalities:
        item_low, item_high, slack = _change(item)
        low, high, sex_slack = low + item_low, high + item_high, sex_slack + slack
    copies = clone.reference.copies if clone.reference else 1
    number = clone.modal_number
    ploidies = [number.ploidy] if number.ploidy else list(range(1, 9))
    for ploidy in ploidies:
        base = 22 * ploidy + len(clone.sex_chromosomes)
        expected_low = base + low * copies - sex_slack
        expected_high = base + high * copies + sex_slack
        if expected_low <= number.high and number.low <= expected_high:
            return None
    base = 44 + len(clone.sex_chromosomes)
    return (
        f"the chromosome number {number} does not agree with the sex chromosomes and "
        f"abnormalities listed (about {base + low} expected for a diploid clone)"
    )


def _change(item: Abnormality) -> tuple[int, int, int]:
    """(fewest, most) chromosomes the item adds, and its sex-chromosome slack."""
    if item.kind is AbnormalityKind.NUMERICAL:
        if item.chromosomes[0] in ("X", "Y"):
            return 0, 0, item.copies
        step = item.copies if item.sign is Sign.PLUS else -item.copies
        return step, step, 0
    if item.kind is AbnormalityKind.DMIN:
        return 0, 0, 0
    if item.kind in (AbnormalityKind.MAR, AbnormalityKind.R) and not item.chromosomes:
        return item.amount[0] * item.copies, item.amount[1] * item.copies, 0
    if item.sign is Sign.PLUS:
        return item.copies, item.copies, 0
    if item.sign is Sign.MINUS:
        return -item.copies, -item.copies, 0
    if {"X", "Y"} & set(item.chromosomes):
        # ISCN writes 46,X,del(X)(q21): a rearranged X or Y is listed, not in the sex field
        fused = -(len(item.chromosomes) - 1) * item.copies if item.kind in _FUSING else 0
        return fused, fused, item.copies
    if item.kind in _FUSING and len(item.chromosomes) > 1:
        fused = -(len(item.chromosomes) - 1) * item.copies
        return fused, fused, 0
    return 0, 0, 0
