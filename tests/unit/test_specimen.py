"""The laboratory test state machine, accession numbers, specimen fit and the overdue list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowscope.domain.errors import InvalidInput, TransitionNotAllowed
from marrowscope.domain.lab import (
    LabTest,
    SpecimenKind,
    TestState,
    TestType,
    check_accession,
    check_test_fits_specimen,
    format_accession,
    next_state,
    overdue,
    turnaround_hours,
)

S = TestState
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

ALLOWED = [
    (S.ORDERED, S.COLLECTED),
    (S.COLLECTED, S.RECEIVED),
    (S.RECEIVED, S.IN_PROCESS),
    (S.IN_PROCESS, S.RESULTED),
    (S.RESULTED, S.VERIFIED),
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_the_forward_path(current: TestState, target: TestState) -> None:
    assert next_state(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (c, t)
        for c in TestState
        for t in TestState
        if (c, t) not in ALLOWED and t not in (S.REJECTED, S.CANCELLED)
    ],
)
def test_every_other_move_is_refused(current: TestState, target: TestState) -> None:
    with pytest.raises(TransitionNotAllowed):
        next_state(current, target)


@pytest.mark.parametrize("target", [S.REJECTED, S.CANCELLED])
@pytest.mark.parametrize("current", [S.ORDERED, S.COLLECTED, S.RECEIVED, S.IN_PROCESS])
def test_reject_or_cancel_before_a_result_needs_a_reason(
    current: TestState, target: TestState
) -> None:
    with pytest.raises(InvalidInput, match="reason"):
        next_state(current, target, "  ")

    assert next_state(current, target, "clotted sample") is target


@pytest.mark.parametrize("current", [S.RESULTED, S.VERIFIED, S.REJECTED, S.CANCELLED])
def test_a_resulted_or_final_test_cannot_be_cancelled(current: TestState) -> None:
    with pytest.raises(TransitionNotAllowed):
        next_state(current, S.CANCELLED, "changed mind")


def test_accession_numbers_have_one_format() -> None:
    assert format_accession("bm", 2026, 42) == "BM26-000042"
    assert check_accession(" bm26-000042 ") == "BM26-000042"
    with pytest.raises(InvalidInput, match="accession"):
        check_accession("BM26-42")


@pytest.mark.parametrize(
    ("test", "kind", "fits"),
    [
        (TestType.KARYOTYPE, SpecimenKind.ASPIRATE_HEPARIN, True),
        (TestType.KARYOTYPE, SpecimenKind.ASPIRATE_EDTA, False),  # needs live cells
        (TestType.TREPHINE_HISTOLOGY, SpecimenKind.TREPHINE_CORE, True),
        (TestType.CULTURE, SpecimenKind.ASPIRATE_SMEAR, False),
    ],
)
def test_a_test_must_fit_its_specimen(test: TestType, kind: SpecimenKind, fits: bool) -> None:
    if fits:
        check_test_fits_specimen(test, kind)
    else:
        with pytest.raises(InvalidInput, match=test.value):
            check_test_fits_specimen(test, kind)


def _test(i: int, t: TestType, state: TestState, received: datetime | None) -> LabTest:
    return LabTest(i, 1, t, state, T0, "x", received)


def test_overdue_counts_from_receipt_and_skips_finished_tests() -> None:
    hours = turnaround_hours(TestType.SMEAR_MORPHOLOGY)
    tests = [
        _test(1, TestType.SMEAR_MORPHOLOGY, S.IN_PROCESS, T0),
        _test(2, TestType.SMEAR_MORPHOLOGY, S.VERIFIED, T0),
        _test(3, TestType.SMEAR_MORPHOLOGY, S.RECEIVED, T0 + timedelta(hours=10)),
        _test(4, TestType.KARYOTYPE, S.IN_PROCESS, T0),
    ]

    at_target = overdue(tests, T0 + timedelta(hours=hours))
    later = overdue(tests, T0 + timedelta(hours=hours + 12))

    assert at_target == []
    assert [(o.test.id, o.hours_overdue) for o in later] == [(1, 12.0), (3, 2.0)]


@given(st.lists(st.sampled_from(list(TestState)), max_size=12))
def test_any_sequence_of_requests_only_ever_walks_the_allowed_path(
    requests: list[TestState],
) -> None:
    """Whatever is asked, accepted moves form a prefix of the forward path, possibly
    ending in rejected/cancelled, and nothing leaves a final state."""
    state = TestState.ORDERED
    visited = [state]
    for target in requests:
        try:
            state = next_state(state, target, "reason")
        except TransitionNotAllowed:
            continue
        visited.append(state)

    forward = [S.ORDERED, S.COLLECTED, S.RECEIVED, S.IN_PROCESS, S.RESULTED, S.VERIFIED]
    body = visited[:-1] if visited[-1] in (S.REJECTED, S.CANCELLED) else visited
    assert body == forward[: len(body)]
    assert visited[-1] not in (S.REJECTED, S.CANCELLED) or body[-1] not in (
        S.RESULTED,
        S.VERIFIED,
    )
