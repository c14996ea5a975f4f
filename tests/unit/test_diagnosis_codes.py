"""Signed diagnosis codes are codes: ICD-10 and ICD-O-3 read by their published structure."""

from __future__ import annotations

import pytest

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.reporting import clean_fields
from marrowscope.domain.reporting.diagnosis_codes import diagnosis_codes


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("D46.2", ("D46.2",)),
        ("c92.0; D61.9", ("C92.0", "D61.9")),
        ("C90.00", ("C90.00",)),  # ICD-10-CM's sixth character
        ("D46", ("D46",)),
    ],
)
def test_icd10_codes_are_read(text: str, codes: tuple[str, ...]) -> None:
    assert diagnosis_codes("icd10", text) == codes


@pytest.mark.parametrize("text", ["MDS", "D4.2", "D46.", "D46.12345", "46.2", "D46.2 MDS-EB"])
def test_anything_else_in_an_icd10_field_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="ICD-10"):
        diagnosis_codes("icd10", text)


@pytest.mark.parametrize("text", ["9983/3", "9861/3, 9732/3", "9765/1"])
def test_icdo3_morphology_with_behaviour_is_read(text: str) -> None:
    assert all("/" in c for c in diagnosis_codes("icdo3", text))


@pytest.mark.parametrize("text", ["9983", "9983/4", "998/3", "M9983/3"])
def test_icdo3_without_a_valid_behaviour_code_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="ICD-O-3"):
        diagnosis_codes("icdo3", text)


def test_a_draft_stores_the_codes_normalised_and_refuses_prose() -> None:
    assert clean_fields({"icd10": " d46.2 ,C92.0 "})["icd10"] == "D46.2; C92.0"
    with pytest.raises(InvalidInput, match="ICD-10"):
        clean_fields({"icd10": "myelodysplastic syndrome"})
