"""Reads an ISCN 2020 karyotype string into a ``Karyotype``, or refuses it with a position.

Clones are separated by "/", each ``number,sex(,abnormality)*[n]`` or, for a subclone,
``number,idem|sl|sdl(n)(,abnormality)*[n]``. Spaces after commas and around "/" and "["
(as reports often carry) are tolerated; everything else must follow ISCN. A trailing
``.ish``/``.nuc ish`` part is kept verbatim and not interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.domain.diagnosis.karyotype.consistency import check_chromosome_number
from marrowscope.domain.diagnosis.karyotype.errors import KaryotypeSyntaxError
from marrowscope.domain.diagnosis.karyotype.inheritance import inherit
from marrowscope.domain.diagnosis.karyotype.items import parse_item
from marrowscope.domain.diagnosis.karyotype.model import (
    Abnormality,
    ChromosomeNumber,
    Clone,
    CloneReference,
    Karyotype,
    ReferenceKind,
)
from marrowscope.domain.diagnosis.karyotype.scanner import Cursor

__all__ = ["parse_karyotype"]

_MAX_CHROMOSOMES = 400  # beyond any reported hyperploidy; a typo guard, not biology


@dataclass(frozen=True)
class _WrittenClone:
    start: int
    number: ChromosomeNumber
    sex: str
    sex_constitutional: bool
    reference: CloneReference | None
    items: tuple[Abnormality, ...]
    metaphases: int | None
    composite: bool
    incomplete: bool


def parse_karyotype(text: str) -> Karyotype:
    """The karyotype ``text`` describes; raises ``KaryotypeSyntaxError`` with a position."""
    cursor = Cursor(text)
    cursor.skip_spaces()
    if cursor.at_end:
        raise cursor.fail("the karyotype is empty")
    written = [_clone(cursor)]
    cursor.skip_spaces()
    while cursor.take("/"):
        cursor.skip_spaces()
        written.append(_clone(cursor))
        cursor.skip_spaces()
    in_situ = ""
    if cursor.take("."):
        cursor.skip_spaces()
        in_situ = cursor.text[cursor.pos :].strip()
        if in_situ and not (in_situ.startswith("ish") or in_situ.startswith("nuc ish")):
            raise cursor.expected('"ish" or "nuc ish" after "."')
        cursor.pos = len(cursor.text)
    if not cursor.at_end:
        raise cursor.expected('"/" before the next clone, "[" or the end of the karyotype')
    clones = _resolve(written)
    return Karyotype(clones=clones, in_situ=in_situ, source_text=text)


def _clone(cursor: Cursor) -> _WrittenClone:
    start = cursor.pos
    number = _chromosome_number(cursor)
    cursor.skip_spaces()
    cursor.expect(",", '"," after the chromosome number')
    cursor.skip_spaces()
    reference = _reference(cursor)
    sex, sex_constitutional = ("", False) if reference else _sex_chromosomes(cursor)
    items: list[Abnormality] = []
    incomplete = False
    while True:
        before = cursor.pos
        cursor.skip_spaces()
        if not cursor.take(","):
            cursor.pos = before
            break
        cursor.skip_spaces()
        if cursor.take("inc"):
            incomplete = True
            continue
        if incomplete:
            raise cursor.fail('"inc" must be the last item of a clone')
        items.append(parse_item(cursor))
    cursor.skip_spaces()
    metaphases, composite = _metaphases(cursor)
    return _WrittenClone(
        start, number, sex, sex_constitutional, reference, tuple(items), metaphases,
        composite, incomplete,
    )  # fmt: skip


def _chromosome_number(cursor: Cursor) -> ChromosomeNumber:
    start = cursor.pos
    low = cursor.number("the chromosome number (e.g. 46 or 45~48)")
    high = cursor.number("the upper chromosome number after ~") if cursor.take("~") else low
    if high < low:
        raise cursor.fail(f"the range {low}~{high} runs backwards", at=start)
    if low < 1 or high > _MAX_CHROMOSOMES:
        raise cursor.fail(f"a chromosome number of {low}~{high} is not possible", at=start)
    ploidy = None
    if cursor.peek() == "<":
        opened = cursor.pos
        cursor.pos += 1
        ploidy = cursor.number("the ploidy level (e.g. <3n>)")
        cursor.expect("n", '"n" of the ploidy level')
        if not cursor.take(">"):
            raise cursor.fail(f'missing ">" to close the "<" at position {opened + 1}')
        if not 1 <= ploidy <= 8:
            raise cursor.fail(f"a ploidy of {ploidy}n is not possible", at=opened)
    return ChromosomeNumber(low, high, ploidy)


def _reference(cursor: Cursor) -> CloneReference | None:
    for kind in (ReferenceKind.IDEM, ReferenceKind.SDL, ReferenceKind.SL):
        if cursor.take(kind.value):
            index_text = cursor.digits() if kind is ReferenceKind.SDL else ""
            copies = cursor.number("the multiplication after x") if cursor.take("x") else 1
            if index_text and int(index_text) < 1:
                raise cursor.fail("sideline numbers start at sdl1", at=cursor.pos - 1)
            return CloneReference(kind, int(index_text) if index_text else None, copies)
    return None


def _sex_chromosomes(cursor: Cursor) -> tuple[str, bool]:
    start = cursor.pos
    while cursor.peek() in ("X", "Y") and cursor.peek():
        cursor.pos += 1
    sex = cursor.text[start : cursor.pos]
    if not sex:
        raise cursor.expected("the sex chromosomes (XX, XY, X, XXY ...) or idem/sl/sdl")
    sex = "".join(sorted(sex))
    constitutional = cursor.peek() == "c" and cursor.peek(2) != "cp"
    if constitutional:
        cursor.pos += 1
    return sex, constitutional


def _metaphases(cursor: Cursor) -> tuple[int | None, bool]:
    if not cursor.take("["):
        return None, False
    opened = cursor.pos - 1
    composite = cursor.take("cp")
    at = cursor.pos
    count = cursor.number("the number of metaphases (e.g. [20] or [cp10])")
    if count == 0:
        raise cursor.fail("a clone needs at least 1 metaphase; [0] describes none", at=at)
    if not cursor.take("]"):
        raise cursor.fail(
            f'missing "]" to close the "[" at position {opened + 1} before position '
            f"{cursor.pos + 1} (found {cursor.found()})"
        )
    return count, composite


def _resolve(written: list[_WrittenClone]) -> tuple[Clone, ...]:
    """Turn idem/sl/sdl into explicit lists, then check each clone's chromosome number."""
    clones: list[Clone] = []
    for index, raw in enumerate(written):
        sex, abnormalities = raw.sex, raw.items
        if raw.reference is not None:
            target = _target(raw, index)
            base = clones[target]
            sex = "".join(sorted(base.sex_chromosomes * raw.reference.copies))
            sex, abnormalities = inherit(sex, base.abnormalities, raw.items)
        clone = Clone(
            modal_number=raw.number,
            sex_chromosomes=sex,
            abnormalities=abnormalities,
            written=raw.items,
            metaphases=raw.metaphases,
            reference=raw.reference,
            sex_constitutional=raw.sex_constitutional
            or (raw.reference is not None and clones[_target(raw, index)].sex_constitutional),
            composite=raw.composite,
            incomplete=raw.incomplete,
        )
        problem = check_chromosome_number(clone)
        if problem:
            raise KaryotypeSyntaxError(problem, raw.start + 1)
        clones.append(clone)
    return tuple(clones)


def _target(raw: _WrittenClone, index: int) -> int:
    """The clone a reference points to: idem and sl the stemline, sdl the clone before,
    sdlN the N-th sideline (the N-th clone after the stemline)."""
    assert raw.reference is not None
    kind, number = raw.reference.kind, raw.reference.index
    name = str(raw.reference).split("x")[0]
    if index == 0:
        raise KaryotypeSyntaxError(f'"{name}" in the first clone refers to no earlier clone',
                                   raw.start + 1)  # fmt: skip
    if kind is not ReferenceKind.SDL:
        return 0
    if number is None:
        return index - 1
    if number >= index:
        raise KaryotypeSyntaxError(f'"{name}" refers to a sideline not written before it',
                                   raw.start + 1)  # fmt: skip
    return number
