"""Every LOINC code in domain/tables is a real LOINC code: it passes LOINC's mod-10
check digit and is in the checked-in list of codes verified against a LOINC source
(``loinc_verified.toml``), whose display the exports send."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest

from marrowscope.interop.codes import analyte_for_loinc, loinc_display, panel_code

_LOINC_SHAPE = re.compile(r"\d{1,7}-\d")
_TABLES = resources.files("marrowscope.domain.tables")


def loinc_check_digit(number: str) -> int:
    """LOINC's mod-10 check digit of the part before the hyphen (LOINC Users' Guide)."""
    total = 0
    for position, char in enumerate(reversed(number), start=1):
        digit = int(char) * (2 if position % 2 == 1 else 1)
        total += digit // 10 + digit % 10
    return (10 - total % 10) % 10


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, str(k))
            if _LOINC_SHAPE.fullmatch(str(k)):
                yield str(k), str(k)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)
    elif isinstance(value, str) and (key.startswith("loinc") or key == "code"):
        if _LOINC_SHAPE.fullmatch(value):
            yield key, value


def _codes_in_tables() -> list[str]:
    found: set[str] = set()
    for entry in _TABLES.iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            found.update(code for _key, code in _walk(data))
    return sorted(found)


CODES = _codes_in_tables()
VERIFIED = tomllib.loads(_TABLES.joinpath("loinc_verified.toml").read_text("utf-8"))["codes"]


def test_the_scan_finds_the_codes_of_every_table() -> None:
    assert {"718-7", "709-6", "26446-5", "47286-0", "33721-2"} <= set(CODES)


@pytest.mark.parametrize("code", CODES)
def test_each_loinc_code_passes_the_check_digit(code: str) -> None:
    number, check = code.split("-")
    assert loinc_check_digit(number) == int(check), f"{code} fails the LOINC check digit"


@pytest.mark.parametrize("code", CODES)
def test_each_loinc_code_is_verified_with_loincs_display(code: str) -> None:
    assert code in VERIFIED, f"{code} is not in loinc_verified.toml"
    assert VERIFIED[code]["display"] and VERIFIED[code]["source"]


@pytest.mark.parametrize(("bad", "good"), [("709", 6), ("718", 7), ("26446", 5)])
def test_the_check_digit_rejects_the_old_blasts_code(bad: str, good: int) -> None:
    assert loinc_check_digit(bad) == good
    assert loinc_check_digit("709") != 1  # 709-1, once in cbc_reference.toml


def test_both_blasts_codes_name_blasts_in_blood() -> None:
    assert analyte_for_loinc("709-6") == analyte_for_loinc("26446-5") == "blasts_percent"
    assert analyte_for_loinc("709-1") is None


def test_exports_use_loincs_display() -> None:
    assert panel_code("report").display == "Bone marrow Pathology biopsy report"
    assert loinc_display("718-7") == "Hemoglobin [Mass/volume] in Blood"
