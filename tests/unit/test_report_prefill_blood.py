"""The draft's blood findings name a critical value as critical, never as merely low.

The limits are the cited telephone limits of ``tables/critical_values.toml``, the same
ones the clinician's page highlights; the words in the draft must agree with that page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from marrowscope.domain.cases.model import Case, CaseStatus, Patient, Sex
from marrowscope.domain.pathway.critical_values import critical_value
from marrowscope.domain.pathway.records import CaseRecord, RecordKind, StoredRecord
from marrowscope.domain.reporting import prefill_fields

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _blood_findings(values: dict[str, float]) -> str:
    patient = Patient(7, "MRN-7", "Demo", "Daniel", date(1959, 3, 14), Sex.MALE)
    cbc = StoredRecord(
        1, 3, RecordKind.CBC, 1, {"collected_at": AT.isoformat(), "values": values}, AT, "c"
    )
    record = CaseRecord(
        patient=patient,
        case=Case(3, 7, AT, "clinician", CaseStatus.OPEN),
        records=[cbc],
        specimens=[],
        tests=[],
        events=[],
        results=[],
    )
    return prefill_fields(record)["blood_findings"]


def test_platelets_of_8_are_printed_critical_low_with_their_unit() -> None:
    text = _blood_findings({"platelets": 8})

    assert "Platelets 8 x10^9/L (critical low)" in text
    assert "(low)" not in text


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("neutrophils", 0.3, "Neutrophils 0.3 x10^9/L (critical low)"),
        ("hb", 62, "Haemoglobin 62 g/L (critical low)"),
        ("platelets", 1450, "Platelets 1450 x10^9/L (critical high)"),
        ("wbc", 88, "White cell count 88 x10^9/L (critical high)"),
    ],
)
def test_every_analyte_with_a_critical_limit_is_named_critical(
    key: str, value: float, words: str
) -> None:
    assert critical_value(key, value) is not None  # the table says so, not this test
    assert words in _blood_findings({key: value})


@pytest.mark.parametrize(
    ("key", "value", "mark"),
    [
        ("platelets", 20, "(low)"),  # the limit itself is not beyond it (strict, as cited)
        ("neutrophils", 0.5, "(low)"),
        ("platelets", 450, "(high)"),
        ("hb", 150, ""),
    ],
)
def test_values_at_or_inside_the_limit_keep_their_plain_mark(
    key: str, value: float, mark: str
) -> None:
    text = _blood_findings({key: value})

    assert "critical" not in text
    assert (mark in text) if mark else ("(low)" not in text and "(high)" not in text)


def test_a_count_mixes_critical_and_plain_marks_value_by_value() -> None:
    text = _blood_findings({"hb": 95, "neutrophils": 0.2, "platelets": 8})

    assert "Haemoglobin 95 g/L (low)" in text
    assert "Neutrophils 0.2 x10^9/L (critical low)" in text
    assert "Platelets 8 x10^9/L (critical low)" in text
