"""The scoping rule and the break-glass reason (``domain.cases.access``), as pure values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marrowscope.domain.cases.access import (
    AccessPolicy,
    BreakGlassGrant,
    clean_reason,
    clean_unit,
    may_see,
    visible_wards,
)
from marrowscope.domain.cases.model import Case, CaseStatus
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Actor, Role

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
POLICY = AccessPolicy(lab_unit="LAB", default_ward="HAEM", break_glass_minutes=60)
WARD_A = Case(1, patient_id=10, opened_at=AT, opened_by="x", status=CaseStatus.OPEN, ward="A")


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.PROCEDURALIST, Role.NURSE])
def test_clinical_staff_see_only_cases_of_their_wards(role: Role) -> None:
    assert may_see(Actor("a", role, units=frozenset({"A"})), WARD_A, POLICY)
    assert not may_see(Actor("b", role, units=frozenset({"B", "LAB"})), WARD_A, POLICY)


@pytest.mark.parametrize("role", [Role.LAB_SCIENTIST, Role.MORPHOLOGIST, Role.PATHOLOGIST])
def test_laboratory_staff_see_every_case_of_their_laboratory_and_nothing_without_it(
    role: Role,
) -> None:
    assert may_see(Actor("l", role, units=frozenset({"LAB"})), WARD_A, POLICY)
    assert not may_see(Actor("l", role, units=frozenset({"A"})), WARD_A, POLICY)


def test_no_unit_sees_nothing_and_an_admin_sees_no_case() -> None:
    assert not may_see(Actor("n", Role.NURSE, units=frozenset()), WARD_A, POLICY)
    assert not may_see(Actor("ad", Role.ADMIN, units=frozenset({"A", "LAB"})), WARD_A, POLICY)
    assert visible_wards(Actor("ad", Role.ADMIN, units=frozenset()), POLICY) == frozenset()


def test_a_process_and_a_site_without_scoping_are_not_scoped() -> None:
    assert may_see(Actor("hl7", Role.CLINICIAN), WARD_A, POLICY)
    off = AccessPolicy(scoping=False)
    assert may_see(Actor("n", Role.NURSE, units=frozenset()), WARD_A, off)


def test_a_patient_sees_only_their_own_case_whatever_their_units() -> None:
    assert may_see(Actor("p", Role.PATIENT, patient_id=10), WARD_A, POLICY)
    assert not may_see(
        Actor("q", Role.PATIENT, patient_id=11, units=frozenset({"A"})), WARD_A, POLICY
    )


def test_a_grant_opens_its_case_to_its_holder_until_it_expires() -> None:
    grant = BreakGlassGrant(7, "dr", Role.CLINICIAN, 1, "r", AT, POLICY.expiry(AT))
    dr = Actor("dr", Role.CLINICIAN, units=frozenset())

    assert grant.opens(dr, 1, AT + timedelta(minutes=59))
    assert not grant.opens(dr, 1, AT + timedelta(minutes=60))  # the end is already too late
    assert not grant.opens(dr, 2, AT)
    assert not grant.opens(Actor("other", Role.CLINICIAN, units=frozenset()), 1, AT)


@pytest.mark.parametrize(
    "reason", ["", "emergency", "see the patient", "a b c d e f g h", "x" * 30, "covering  ward"]
)
def test_a_reason_needs_three_words_and_twenty_characters(reason: str) -> None:
    with pytest.raises(InvalidInput, match="reason"):
        clean_reason(reason)


def test_a_reason_that_says_why_is_kept_with_its_spaces_tidied() -> None:
    assert clean_reason("  covering ward 7,\n patient  bleeding ") == (
        "covering ward 7, patient bleeding"
    )
    with pytest.raises(InvalidInput, match="at most 500"):
        clean_reason("covering ward seven " * 30)


def test_units_are_one_spelling_and_refuse_odd_characters() -> None:
    assert clean_unit(" ward  7a ") == "WARD 7A"
    with pytest.raises(InvalidInput):
        clean_unit("ward;drop")
    with pytest.raises(InvalidInput):
        clean_unit("")
