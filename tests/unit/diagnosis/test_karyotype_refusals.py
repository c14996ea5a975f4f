"""Malformed or impossible karyotypes are refused with the 1-based position of the fault."""

from __future__ import annotations

import pytest

from marrowscope.domain.diagnosis.karyotype import KaryotypeSyntaxError, parse_karyotype
from marrowscope.domain.errors import InvalidInput


def refusal(text: str) -> KaryotypeSyntaxError:
    with pytest.raises(KaryotypeSyntaxError) as caught:
        parse_karyotype(text)
    return caught.value


def test_missing_closing_parenthesis_names_the_position() -> None:
    # "46,XY,del(5)(q31q33 [12]": the "(" of the bands is character 13, the space 20
    error = refusal("46,XY,del(5)(q31q33 [12]")
    assert error.position == 20
    assert 'missing ")"' in str(error) and "position 13" in str(error)
    assert isinstance(error, InvalidInput)


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("", 1, "empty"),
        ("XY,46", 1, "chromosome number"),
        ("46XY[20]", 3, '","'),
        ("46,[20]", 4, "sex chromosomes"),
        ("46,XY,del(24)(q31)[3]", 11, "chromosome 24"),
        ("46,XY,del(23)(q31)[3]", 11, "chromosome 23"),
        ("46,XY,del(5)(r31)[3]", 14, "p or q"),
        ("46,XY,del(5)(q31)[0]", 19, "at least 1 metaphase"),
        ("46,XY,del(5)(q31)[cp0]", 21, "at least 1 metaphase"),
        ("46,XY,del(5)(q31)[12", 21, 'missing "]"'),
        ("46,XY,del(5)(q13::q33)[2]", 17, "detailed system"),
        ("46,XY,xyz(5)(q31)[2]", 7, "unknown abnormality"),
        ("46,XY,8[2]", 7, '"+" or "-"'),
        ("46,XY,t(9;22)(q34)[2]", 14, "breakpoint group"),
        ("46,XY,t(9)(q34)[2]", 7, "chromosome"),
        ("46,idem,+8[2]", 1, "first clone"),
        ("46,XY,+8[3]", 1, "does not agree"),
        ("45,XY,+8[3]", 1, "does not agree"),
        ("48~46,XY[3]", 1, "backwards"),
        ("46,XY[20]/", 11, "chromosome number"),
        ("46,XY[20]/47,sdl2,+8[2]", 11, "sideline"),
        ("46,XY[20] 47,XY,+8[2]", 11, '"/"'),
    ],
)
def test_refusals(text: str, position: int, words: str) -> None:
    error = refusal(text)
    assert error.position == position, str(error)
    assert words in str(error)


def test_composite_clones_are_not_checked_for_the_number() -> None:
    assert parse_karyotype("44~47,XY,-5,+8[cp10]").clones[0].composite
