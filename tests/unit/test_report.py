"""The report model: ICSH fields, graded tables, and the sign-out rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from marrowscope.domain.cases.model import Patient, Sex
from marrowscope.domain.counting.differential import compute_differential, demo_counts
from marrowscope.domain.errors import ImmutableRecord, InvalidInput, TransitionNotAllowed
from marrowscope.domain.reporting import (
    ReportKind,
    ReportStatus,
    ReportView,
    amend,
    canonical_json,
    cellularity_against_age,
    fibrosis_description,
    iron_grade_category,
    new_draft,
    range_rows,
    sign,
    update_draft,
)
from marrowscope.domain.tables import load_table

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def test_signed_report_refuses_an_edit() -> None:
    signed = sign(new_draft(7, {"conclusion": "x"}, {}, by="p", at=AT), by="p", at=AT)

    with pytest.raises(ImmutableRecord):
        update_draft(signed, {"comment": "later"})
    with pytest.raises(ImmutableRecord):
        sign(signed, by="p", at=LATER)


def test_draft_without_conclusion_cannot_be_signed() -> None:
    with pytest.raises(TransitionNotAllowed):
        sign(new_draft(7, {"comment": "x"}, {}, by="p", at=AT), by="p", at=AT)


def test_amendment_is_a_new_signed_version_with_reason_author_time() -> None:
    signed = sign(new_draft(7, {"conclusion": "a"}, {"BLA": 1}, by="m", at=AT), by="p", at=AT)

    new = amend(signed, ReportKind.AMENDMENT, {"conclusion": "b"}, reason="typo", by="q", at=LATER)

    assert (new.version, new.kind, new.status) == (2, ReportKind.AMENDMENT, ReportStatus.SIGNED)
    assert (new.reason, new.author, new.signed_at) == ("typo", "q", LATER)
    assert signed.conclusion == "a" and new.conclusion == "b"
    assert new.counts == signed.counts


def test_amendment_needs_a_reason_and_a_signed_base() -> None:
    draft = new_draft(7, {"conclusion": "a"}, {}, by="p", at=AT)
    signed = sign(draft, by="p", at=AT)

    with pytest.raises(TransitionNotAllowed):
        amend(draft, ReportKind.AMENDMENT, {"conclusion": "b"}, reason="r", by="p", at=AT)
    with pytest.raises(InvalidInput):
        amend(signed, ReportKind.AMENDMENT, {"conclusion": "b"}, reason=" ", by="p", at=AT)


def test_addendum_only_adds_text() -> None:
    signed = sign(new_draft(7, {"conclusion": "a"}, {}, by="p", at=AT), by="p", at=AT)

    with pytest.raises(InvalidInput):
        amend(signed, ReportKind.ADDENDUM, {"conclusion": "b"}, reason="r", by="p", at=AT)
    added = amend(
        signed, ReportKind.ADDENDUM, {"addendum": "IHC: CD34 8 %"}, reason="IHC", by="p", at=AT
    )
    assert added.get("addendum") == "IHC: CD34 8 %" and added.conclusion == "a"


@pytest.mark.parametrize("name", ["iron_grade", "fibrosis_grade", "nonsense_field"])
def test_bad_graded_values_and_unknown_fields_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        new_draft(1, {name: "7"}, {}, by="p", at=AT)


def test_iron_grades_follow_gale_zero_to_six() -> None:
    """Gale 1963: grade 0 absent, 2-3 normal, 4-6 increased; 7 does not exist."""
    assert sorted(load_table("iron_grades")["grades"]) == [str(g) for g in range(7)]
    assert iron_grade_category(0) == "absent"
    assert iron_grade_category(3) == "normal"
    assert iron_grade_category(6) == "increased"
    with pytest.raises(InvalidInput):
        iron_grade_category(7)


def test_fibrosis_grades_are_mf0_to_mf3() -> None:
    """Thiele 2005 consensus grades; lower case is accepted."""
    assert sorted(load_table("fibrosis_grades")["grades"]) == ["MF-0", "MF-1", "MF-2", "MF-3"]
    assert "collagen" in fibrosis_description("mf-3")


@pytest.mark.parametrize(
    ("observed", "age", "word"),
    [(80, 67, "hypercellular"), (53, 67, "within"), (54, 67, "hypercellular"), (12, 67, "hypo"),
     (13, 67, "within")],
)  # fmt: skip
def test_cellularity_is_judged_against_100_minus_age(observed: float, age: int, word: str) -> None:
    """Expected 33 % at 67 years, band +/-20 (table cellularity_by_age): 13-53 within."""
    judged = cellularity_against_age(observed, age)

    assert judged.expected_percent == 33
    assert word in judged.wording


def test_canonical_json_is_stable_and_keeps_the_differential() -> None:
    patient = Patient(1, "MRN1", "Demo", "Daniel", date(1959, 3, 14), Sex.MALE)
    draft = new_draft(7, {"conclusion": "a"}, {"BLA": 40}, by="p", at=AT)
    view = ReportView(draft, patient, date(2026, 3, 2), compute_differential(demo_counts()))

    first, second = canonical_json(view), canonical_json(view)

    assert first == second
    assert b'"me_ratio":' in first and b" " not in first.split(b'"fields"')[0]


def test_range_rows_carry_a_wilson_interval_around_the_value() -> None:
    rows = range_rows(compute_differential(demo_counts()))

    assert rows
    assert all(r.ci_low <= r.percent <= r.ci_high for r in rows)
