"""CaseRecord look-ups by kind: a kind given as its text (as templates and JSON give it)
finds the same records as the enum member (issue 18: urgent check-ins were invisible)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from marrowscope.domain.cases.model import Case, CaseStatus, Patient, Sex
from marrowscope.domain.pathway.cbc import analyte_info
from marrowscope.domain.pathway.records import CaseRecord, RecordKind, StoredRecord

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _record(*kinds: RecordKind) -> CaseRecord:
    patient = Patient(7, "MRN-7", "Demo", "Daniel", date(1959, 3, 14), Sex.MALE)
    stored = [
        StoredRecord(n + 1, 3, kind, 1, {"n": n}, AT + timedelta(minutes=n), "nina")
        for n, kind in enumerate(kinds)
    ]
    return CaseRecord(
        patient=patient,
        case=Case(3, 7, AT, "clinician", CaseStatus.OPEN),
        records=stored,
        specimens=[],
        tests=[],
        events=[],
        results=[],
    )


@pytest.mark.parametrize("kind", [RecordKind.CHECK_IN, "check_in"])
def test_current_finds_check_ins_whether_the_kind_is_an_enum_or_its_text(
    kind: RecordKind | str,
) -> None:
    record = _record(RecordKind.PROCEDURE, RecordKind.CHECK_IN, RecordKind.CHECK_IN)

    found = record.current(kind)  # type: ignore[arg-type]  # templates pass text

    assert [r.id for r in found] == [2, 3]


def test_latest_accepts_the_kind_as_text() -> None:
    record = _record(RecordKind.CHECK_IN, RecordKind.AFTERCARE)

    latest = record.latest("aftercare")  # type: ignore[arg-type]

    assert latest is not None and latest.id == 2


def test_an_unknown_kind_is_refused_not_silently_empty() -> None:
    record = _record(RecordKind.CHECK_IN)

    with pytest.raises(ValueError, match="check_inn"):
        record.current("check_inn")  # type: ignore[arg-type]


@pytest.mark.parametrize("sex", [Sex.MALE, "male"])
def test_a_reference_interval_by_sex_accepts_the_sex_as_text(sex: Sex | str) -> None:
    hb = analyte_info("hb")

    interval = hb.interval(sex)  # type: ignore[arg-type]

    assert interval == hb.intervals["male"]
