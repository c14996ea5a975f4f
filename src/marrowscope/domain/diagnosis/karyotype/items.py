"""Reads one abnormality (the text between two commas) in ISCN 2020 short form.

Grammar (ISCN 2020, chapters 8-10; the detailed "::" form is refused, not guessed)::

    item        := "?"? sign? "?"? body multiply? "c"?
    body        := amount? ("mar" label? | "dmin" | "r")      markers, rings, double minutes
                 | chromosome                                  numerical (+8, -7), sign required
                 | code "(" chromosomes ")" ("(" groups ")")? component*
    component   := code "(" chromosomes ")" ("(" groups ")")?  the parts of a der
    chromosomes := chromosome (";" chromosome)*   ("5q" accepted for report shorthand del(5q))
    groups      := breakpoint+ (";" breakpoint+)*  one group per chromosome
    breakpoint  := ("p"|"q") band? ("~" breakpoint)? | "pter" | "qter" | "cen" | "?"
"""

from __future__ import annotations

import re

from marrowscope.domain.diagnosis.karyotype.model import (
    AUTOSOMES,
    Abnormality,
    AbnormalityKind,
    Arm,
    Breakpoint,
    Sign,
)
from marrowscope.domain.diagnosis.karyotype.scanner import Cursor

__all__ = ["parse_item", "read_chromosome"]

_CODES = {k.value: k for k in AbnormalityKind if k.value and k.value not in ("mar", "dmin")}
_UNSUPPORTED = ("psu", "fra", "tas", "upd", "fis", "trc", "rcp", "tan", "ish", "nuc")
_BAND = re.compile(r"(\d{1,2}(\.\d{1,4})?)?\??")
_ITEM_END = ",[/. \t"
# chromosomes each kind takes in its own parentheses (low, high)
_ARITY = {
    AbnormalityKind.T: (2, 4),
    AbnormalityKind.DER: (1, 2),
    AbnormalityKind.DIC: (1, 2),
    AbnormalityKind.ROB: (2, 2),
    AbnormalityKind.INS: (1, 2),
}


def read_chromosome(cursor: Cursor) -> str:
    """One chromosome name: 1-22, X, Y or "?"; 0 and 23 upwards are refused."""
    start = cursor.pos
    if cursor.take("?"):
        return "?"
    for sex in ("X", "Y"):
        if cursor.take(sex):
            return sex
    digits = cursor.digits()
    if not digits:
        raise cursor.expected("a chromosome (1-22, X or Y)")
    if digits.lstrip("0") not in AUTOSOMES or digits.startswith("0"):
        raise cursor.fail(f"chromosome {digits} does not exist (1-22, X, Y)", at=start)
    return digits


def parse_item(cursor: Cursor) -> Abnormality:
    """One abnormality at the cursor; stops before the "," "[" "/" or "." that ends it."""
    start = cursor.pos
    uncertain = cursor.take("?")
    sign = Sign.PLUS if cursor.take("+") else Sign.MINUS if cursor.take("-") else Sign.NONE
    uncertain = cursor.take("?") or uncertain
    abnormality = _counted_body(cursor, sign) or _structural_or_numerical(cursor, sign)
    copies = 1
    if cursor.take("x") or cursor.take("×"):
        copies = cursor.number("the number of copies after x")
        if copies < 2:
            raise cursor.fail("a multiplication must be x2 or more", at=cursor.pos - 1)
    constitutional = cursor.peek() == "c" and (
        cursor.pos + 1 >= len(cursor.text) or cursor.text[cursor.pos + 1] in _ITEM_END
    )
    if constitutional:
        cursor.take("c")
    if not cursor.at_end and cursor.peek() not in _ITEM_END:
        if cursor.peek(2) == "::" or cursor.peek() == ":":
            raise cursor.fail('the detailed system ("::") is not supported: use the short form')
        raise cursor.expected('"," or "[" after the abnormality')
    return Abnormality(
        kind=abnormality.kind,
        chromosomes=abnormality.chromosomes,
        breakpoints=abnormality.breakpoints,
        sign=sign,
        components=abnormality.components,
        copies=copies,
        amount=abnormality.amount,
        constitutional=constitutional,
        uncertain=uncertain,
        label=abnormality.label,
        span=(start, cursor.pos),
    )


def _counted_body(cursor: Cursor, sign: Sign) -> Abnormality | None:
    """Markers, rings of unknown origin and double minutes, with an optional amount (+3~5mar)."""
    start = cursor.pos
    low_text = cursor.digits()
    high_text = ""
    if low_text and cursor.take("~"):
        high_text = cursor.digits()
    for kind in (AbnormalityKind.MAR, AbnormalityKind.DMIN, AbnormalityKind.R):
        if cursor.take(kind.value):
            if kind is AbnormalityKind.R and cursor.peek() == "(":
                cursor.pos -= 1
                break
            low = int(low_text) if low_text else 1
            high = int(high_text) if high_text else low
            if low < 1 or high < low:
                raise cursor.fail(f"the number of {kind.value} must be 1 or more", at=start)
            label = cursor.digits() if kind is AbnormalityKind.MAR else ""
            if kind is not AbnormalityKind.DMIN and sign is not Sign.PLUS:
                raise cursor.fail(f'a {kind.value} of unknown origin is written "+{kind.value}"')
            return Abnormality(kind, amount=(low, high), label=label)
    cursor.pos = start
    return None


def _structural_or_numerical(cursor: Cursor, sign: Sign) -> Abnormality:
    if cursor.peek().isdigit() or cursor.peek() in ("X", "Y"):
        at = cursor.pos
        chromosome = read_chromosome(cursor)
        if sign is Sign.NONE:
            raise cursor.fail(f'a numerical change needs "+" or "-" before {chromosome}', at=at)
        return Abnormality(AbnormalityKind.NUMERICAL, (chromosome,))
    if not cursor.peek().isalpha():
        raise cursor.expected("an abnormality (+8, -7, del(5)(q31), t(9;22)(q34;q11.2), +mar ...)")
    kind, chromosomes, groups = _code_with_arguments(cursor)
    components: list[Abnormality] = []
    if kind in (AbnormalityKind.DER, AbnormalityKind.IDER):
        while _code_follows(cursor):
            part_kind, part_chromosomes, part_groups = _code_with_arguments(cursor)
            components.append(Abnormality(part_kind, part_chromosomes, part_groups))
        if not components and not groups:
            raise cursor.expected(
                'the rearrangement(s) a der is made of, e.g. "t(9;22)(q34;q11.2)"'
            )
    return Abnormality(kind, chromosomes, groups, components=tuple(components))


def _code_follows(cursor: Cursor) -> bool:
    """True where lower-case letters and "(" follow: the next part of a der."""
    start = cursor.pos
    found = bool(cursor.letters()) and cursor.peek() == "("
    cursor.pos = start
    return found


def _code_with_arguments(
    cursor: Cursor,
) -> tuple[AbnormalityKind, tuple[str, ...], tuple[tuple[Breakpoint, ...], ...]]:
    at = cursor.pos
    code = cursor.letters()
    if code not in _CODES:
        hint = " (not supported)" if code in _UNSUPPORTED else ""
        raise cursor.fail(f'unknown abnormality code "{code}"{hint}', at=at)
    kind = _CODES[code]
    opened = cursor.pos
    cursor.expect("(", f'"(" after "{code}"')
    chromosomes = [read_chromosome(cursor)]
    shorthand_arm = cursor.peek() if cursor.peek() in ("p", "q") else ""
    cursor.pos += len(shorthand_arm)
    while not shorthand_arm and cursor.take(";"):
        chromosomes.append(read_chromosome(cursor))
    cursor.close(opened)
    low, high = _ARITY.get(kind, (1, 1))
    if not low <= len(chromosomes) <= high:
        raise cursor.fail(
            f"{code} takes {low} to {high} chromosome(s), found {len(chromosomes)}", at
        )
    groups: tuple[tuple[Breakpoint, ...], ...] = ()
    if shorthand_arm:  # i(17q) is i(17)(q10); del(5q) names the arm only
        band = "10" if kind in (AbnormalityKind.I, AbnormalityKind.IDER) else ""
        groups = ((Breakpoint(Arm(shorthand_arm), band),),)
    elif cursor.peek() == "(":
        groups = _breakpoint_groups(cursor, len(chromosomes))
    return kind, tuple(chromosomes), groups


def _breakpoint_groups(cursor: Cursor, expected: int) -> tuple[tuple[Breakpoint, ...], ...]:
    opened = cursor.pos
    cursor.expect("(")
    groups: list[tuple[Breakpoint, ...]] = []
    while True:
        group = [_breakpoint(cursor)]
        while cursor.peek() and cursor.peek() not in ";)":
            if not (cursor.peek() in "?:" or cursor.peek().isalpha()):
                break
            group.append(_breakpoint(cursor))
        groups.append(tuple(group))
        if not cursor.take(";"):
            break
    cursor.close(opened)
    if len(groups) != expected:
        raise cursor.fail(
            f"{expected} breakpoint group(s) expected (one per chromosome), found {len(groups)}",
            at=opened,
        )
    return tuple(groups)


def _breakpoint(cursor: Cursor) -> Breakpoint:
    start = cursor.pos
    if cursor.peek(2) == "::" or cursor.peek() in (":", "→"):
        raise cursor.fail('the detailed system ("::") is not supported: use the short form')
    if cursor.take("pter") or cursor.take("qter"):
        point = Breakpoint(Arm(cursor.text[start]), "ter")
    elif cursor.take("cen"):
        point = Breakpoint(Arm.CEN)
    elif cursor.take("?"):
        point = Breakpoint(Arm.UNKNOWN)
    elif cursor.peek() in ("p", "q"):
        arm = Arm(cursor.peek())
        cursor.pos += 1
        band_start = cursor.pos
        while cursor.peek() and cursor.peek() in "0123456789.?":
            cursor.pos += 1
        band = cursor.text[band_start : cursor.pos]
        if not _BAND.fullmatch(band):
            raise cursor.fail(f'"{band}" is not a band (e.g. 22, 22.1, 2?)', at=band_start)
        point = Breakpoint(arm, band)
    elif cursor.peek().isalpha():
        raise cursor.fail(f'a band\'s arm must be p or q, found "{cursor.peek()}"')
    else:
        raise cursor.expected("a breakpoint (an arm p or q and a band, pter, qter or cen)")
    if cursor.take("~"):
        return Breakpoint(point.arm, point.band, _breakpoint(cursor))
    return point
