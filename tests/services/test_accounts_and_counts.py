"""Accounts, sessions, the sign-in brake and slide counts, on a real database."""

from __future__ import annotations

import pytest

from marrowscope.bootstrap import build_account_services
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import (
    AuthenticationFailed,
    Conflict,
    ImmutableRecord,
    InvalidCount,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import counting
from marrowscope.services.accounts import DEMO_USERS, LoginThrottle, create_user, ensure_demo_users
from marrowscope.services.accounts.auth import MAX_FAILURES
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.services.walkthrough import seed_demo_case
from tests.services.conftest import FakeClock

ADMIN = Actor("admin", Role.ADMIN)
MORPHOLOGIST = Actor("morphologist", Role.MORPHOLOGIST)


@pytest.fixture
def accounts(uow_factory: UnitOfWorkFactory):
    return build_account_services(uow_factory)


def test_a_password_is_stored_only_as_an_argon2_hash(accounts, uow_factory) -> None:
    with uow_factory() as uow:
        create_user(
            uow, accounts.stores, ADMIN, username="Nina", password="correct horse", role=Role.NURSE
        )

    with uow_factory() as uow:
        user, stored = uow.bind(accounts.stores.users).by_username("nina")

    assert user.role is Role.NURSE
    assert stored.startswith("$argon2id$") and "correct horse" not in stored


def test_only_an_admin_creates_accounts(accounts, uow_factory) -> None:
    with uow_factory() as uow, pytest.raises(PermissionDenied):
        create_user(
            uow,
            accounts.stores,
            MORPHOLOGIST,
            username="x1",
            password="long enough, yes",
            role=Role.NURSE,
        )


def test_a_taken_username_is_a_conflict(accounts, uow_factory) -> None:
    with uow_factory() as uow:
        create_user(
            uow,
            accounts.stores,
            ADMIN,
            username="lab",
            password="long enough, yes",
            role=Role.LAB_SCIENTIST,
        )
        with pytest.raises(Conflict):
            create_user(
                uow,
                accounts.stores,
                ADMIN,
                username="LAB",
                password="long enough, yes",
                role=Role.NURSE,
            )


def test_a_session_resolves_until_signed_out(accounts, uow_factory) -> None:
    with uow_factory() as uow:
        create_user(
            uow,
            accounts.stores,
            ADMIN,
            username="pia",
            password="amber kite harbour",
            role=Role.PATHOLOGIST,
        )

    session = accounts.auth.sign_in("pia", "amber kite harbour", "10.0.0.1")
    resolved = accounts.auth.resolve(session.token)
    accounts.auth.sign_out(session.token)

    assert resolved is not None and resolved.user.username == "pia"
    assert resolved.csrf_token == session.csrf_token
    assert accounts.auth.resolve(session.token) is None


def test_a_session_expires_after_the_shift(accounts, uow_factory, clock: FakeClock) -> None:
    with uow_factory() as uow:
        create_user(
            uow,
            accounts.stores,
            ADMIN,
            username="pia",
            password="amber kite harbour",
            role=Role.PATHOLOGIST,
        )
    session = accounts.auth.sign_in("pia", "amber kite harbour", "10.0.0.1")

    clock.advance(hours=12, seconds=1)

    assert accounts.auth.resolve(session.token) is None


def test_sign_in_is_refused_after_five_failures_even_with_the_right_password(
    accounts,
    uow_factory,
) -> None:
    with uow_factory() as uow:
        create_user(
            uow,
            accounts.stores,
            ADMIN,
            username="nina",
            password="right one, at last",
            role=Role.NURSE,
        )
    for _ in range(MAX_FAILURES):
        with pytest.raises(AuthenticationFailed):
            accounts.auth.sign_in("nina", "wrong", "10.0.0.2")

    with pytest.raises(TooManyAttempts):
        accounts.auth.sign_in("nina", "right one, at last", "10.0.0.2")


def test_the_brake_releases_after_its_pause() -> None:
    now = [0.0]
    throttle = LoginThrottle(max_failures=2, window_s=60, clock=lambda: now[0])
    throttle.attempt("user:a")
    throttle.attempt("user:a")  # the second failure in a row pauses the account (60 s)
    with pytest.raises(TooManyAttempts):
        throttle.attempt("user:a")

    now[0] = 61.0

    throttle.attempt("user:a")  # no error: the pause is over


def _demo_slide(accounts, uow_factory):
    seeded = seed_demo_case(uow_factory)
    with uow_factory() as uow:
        return counting.open_slide(uow, accounts.stores, MORPHOLOGIST, seeded.case_id, "A", 10)


def test_a_late_or_repeated_state_changes_nothing(accounts, uow_factory) -> None:
    count = _demo_slide(accounts, uow_factory)
    with uow_factory() as uow:
        counting.sync_count(uow, accounts.stores, MORPHOLOGIST, count.id, 5, {"BLA": 3, "NGS": 2})
        counting.sync_count(uow, accounts.stores, MORPHOLOGIST, count.id, 3, {"BLA": 3})
        counting.sync_count(uow, accounts.stores, MORPHOLOGIST, count.id, 5, {"NGS": 9})
        stored = counting.get_count(uow, accounts.stores, MORPHOLOGIST, count.id)

    assert stored.counts == {CellClass.BLA: 3, CellClass.NGS: 2}
    assert stored.version == 5


def test_counts_beyond_the_target_are_refused(accounts, uow_factory) -> None:
    count = _demo_slide(accounts, uow_factory)
    with uow_factory() as uow, pytest.raises(InvalidCount):
        counting.sync_count(uow, accounts.stores, MORPHOLOGIST, count.id, 1, {"NGS": 11})


def test_a_saved_count_changes_only_by_an_edit_that_keeps_the_old_state(
    accounts,
    uow_factory,
) -> None:
    count = _demo_slide(accounts, uow_factory)
    with uow_factory() as uow:
        counting.finish_count(uow, accounts.stores, MORPHOLOGIST, count.id, 2, {"NGS": 2})
        with pytest.raises(ImmutableRecord):
            counting.sync_count(uow, accounts.stores, MORPHOLOGIST, count.id, 9, {"NGS": 3})
        counting.edit_saved_count(
            uow, accounts.stores, MORPHOLOGIST, count.id, {"NGS": 1}, "one counted twice"
        )
        history = uow.bind(accounts.stores.slide_counts).history(count.id)
        stored = counting.get_count(uow, accounts.stores, MORPHOLOGIST, count.id)

    assert stored.counts == {CellClass.NGS: 1}
    assert [h["reason"] for h in history] == ["one counted twice"]
    assert '"NGS": 2' in history[0]["counts_json"]


def test_a_nurse_cannot_count_a_differential(accounts, uow_factory) -> None:
    count = _demo_slide(accounts, uow_factory)
    with uow_factory() as uow, pytest.raises(PermissionDenied):
        counting.sync_count(uow, accounts.stores, Actor("n", Role.NURSE), count.id, 1, {"NGS": 1})


def test_demo_accounts_are_created_once(accounts, uow_factory) -> None:
    seeded = seed_demo_case(uow_factory)
    with uow_factory() as uow:
        first = ensure_demo_users(
            uow,
            accounts.stores,
            demo_patient_id=seeded.patient_id,
            other_patient_id=seeded.other_patient_id,
        )
        second = ensure_demo_users(
            uow,
            accounts.stores,
            demo_patient_id=seeded.patient_id,
            other_patient_id=seeded.other_patient_id,
        )

    assert len(first) == len(DEMO_USERS) == 10 and second == []  # 10: with the lab manager


def test_a_patient_account_must_name_a_patient_that_exists(accounts, uow_factory) -> None:
    with uow_factory() as uow, pytest.raises(NotFound, match="patient_id"):
        create_user(
            uow, accounts.stores, ADMIN, username="ghost", password="long enough, yes",
            role=Role.PATIENT, patient_id=424242,
        )  # fmt: skip


def test_a_session_resolves_while_a_writer_holds_the_database(
    accounts, uow_factory, db_url
) -> None:
    """The lookup every request makes only reads: it must not queue behind a writer.

    Before, it began with SQLite's write lock (BEGIN IMMEDIATE) and waited out a counter's
    save, or the whole busy timeout behind a long write.
    """
    import time

    from marrowscope.db.engine import make_engine

    with uow_factory() as uow:
        create_user(
            uow,
            accounts.stores,
            ADMIN,
            username="rita",
            password="amber kite harbour",
            role=Role.NURSE,
        )
    session = accounts.auth.sign_in("rita", "amber kite harbour", "10.0.0.1")
    writer = make_engine(db_url)
    try:
        with writer.connect() as conn:
            with conn.begin():
                # a writer in the middle of its transaction (the write lock is held)
                conn.exec_driver_sql("UPDATE users SET active = active")
                began = time.perf_counter()
                resolved = accounts.auth.resolve(session.token)
                waited_s = time.perf_counter() - began
    finally:
        writer.dispose()

    assert resolved is not None and resolved.user.username == "rita"
    assert waited_s < 1.0
