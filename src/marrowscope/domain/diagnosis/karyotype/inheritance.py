"""What a subclone written with idem/sl/sdl holds: its reference's list plus what it adds.

ISCN writes a subclone's losses of an inherited gain as the opposite numerical change
(``47,XY,+8[5]/46,idem,-8``); such a pair cancels rather than listing both +8 and -8.
Gains and losses of X and Y also update the sex chromosomes, which a subclone does not
repeat.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.karyotype.model import Abnormality, AbnormalityKind, Sign

__all__ = ["inherit"]


def inherit(
    sex: str, inherited: tuple[Abnormality, ...], added: tuple[Abnormality, ...]
) -> tuple[str, tuple[Abnormality, ...]]:
    """The sex chromosomes and resolved abnormalities of a subclone."""
    result = list(inherited)
    for item in added:
        if item.kind is AbnormalityKind.NUMERICAL and item.chromosomes[0] in ("X", "Y"):
            letter = item.chromosomes[0]
            if item.sign is Sign.PLUS:
                sex = "".join(sorted(sex + letter * item.copies))
            elif letter in sex:
                sex = sex.replace(letter, "", item.copies)
        opposite = _opposite(result, item)
        if opposite is None:
            result.append(item)
        else:
            del result[opposite]
    return sex, tuple(result)


def _opposite(current: list[Abnormality], item: Abnormality) -> int | None:
    """Index of an inherited whole-chromosome change that ``item`` undoes, if any."""
    if item.kind is not AbnormalityKind.NUMERICAL or item.constitutional:
        return None
    for index, other in enumerate(current):
        if (
            other.kind is AbnormalityKind.NUMERICAL
            and not other.constitutional
            and other.chromosomes == item.chromosomes
            and other.copies == item.copies
            and {other.sign, item.sign} == {Sign.PLUS, Sign.MINUS}
        ):
            return index
    return None
