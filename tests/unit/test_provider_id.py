"""A provider identifier is kept only in a form the EHR can match: an NPI by its check
digit (CMS NPI standard: Luhn over 80840 and the first nine digits), other types by form."""

from __future__ import annotations

import pytest

from marrowscope.domain.accounts.provider_id import provider_id
from marrowscope.domain.errors import InvalidInput


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126"])
def test_valid_npis_are_kept_with_their_type(npi: str) -> None:
    assert provider_id(f" {npi} ", "npi") == (npi, "NPI")


@pytest.mark.parametrize(
    "npi",
    ["1234567890", "1234567839", "123456789", "12345678930", "12345678a3"],
    ids=["check-digit", "swapped", "nine-digits", "eleven-digits", "letter"],
)
def test_a_mistyped_npi_is_refused(npi: str) -> None:
    with pytest.raises(InvalidInput, match="not an NPI"):
        provider_id(npi, "NPI")


def test_the_site_type_checks_an_identifier_given_without_one() -> None:
    with pytest.raises(InvalidInput, match="not an NPI"):
        provider_id("1234567890", "", default_type="NPI")

    assert provider_id("1234567893", "", default_type="NPI") == ("1234567893", "")


@pytest.mark.parametrize(
    ("value", "kind", "says"),
    [
        ("77881^JONES", "PRN", "none of"),
        ("x" * 41, "PRN", "up to 40"),
        ("77881", "PR N", "table 0203"),
        ("", "NPI", "give the identifier"),
    ],
)
def test_other_identifiers_are_checked_for_form(value: str, kind: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        provider_id(value, kind)


def test_empty_clears_and_other_types_keep_their_value() -> None:
    assert provider_id("", "") == ("", "")
    assert provider_id("77881", "prn") == ("77881", "PRN")
