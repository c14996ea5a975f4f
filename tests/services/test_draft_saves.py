"""Group commit of the counter's draft saves (issue 17, §3), on SQLite and PostgreSQL.

The batches are made deterministic by holding the writer inside the first save's session
lookup while the others queue behind it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection

import pytest

from marrowscope.bootstrap import AccountServices, build_account_services
from marrowscope.domain.counting.slide_counts import SlideCount
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import ImmutableRecord, NotFound, PermissionDenied
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import counting
from marrowscope.services.accounts import Session, create_user
from marrowscope.services.accounts.auth import _digest
from marrowscope.services.counting import CsrfRefused, DraftSaves, SessionLookup, SignedOut
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from marrowscope.services.walkthrough import seed_demo_case

MORPHOLOGIST = Actor("morphologist", Role.MORPHOLOGIST)
PEOPLE = {  # token -> (person, CSRF token)
    "t-morph": (MORPHOLOGIST, "c-morph"),
    "t-path": (Actor("pat", Role.PATHOLOGIST), "c-path"),
    "t-patient": (Actor("pia", Role.PATIENT), "c-patient"),
}


@pytest.fixture
def accounts(uow_factory: UnitOfWorkFactory) -> AccountServices:
    return build_account_services(uow_factory)


def _slides(accounts: AccountServices, uow_factory: UnitOfWorkFactory, n: int) -> list[int]:
    seeded = seed_demo_case(uow_factory)
    with uow_factory() as uow:
        return [
            counting.open_slide(uow, accounts.stores, MORPHOLOGIST, seeded.case_id, f"S{i}", 500).id
            for i in range(n)
        ]


class HeldLookup:
    """The table ``PEOPLE`` as session lookup; the first lookup waits until released."""

    def __init__(self, fail_for: str = "") -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.calls = 0
        self._fail_for = fail_for

    def __call__(self, _uow: UnitOfWork, tokens: Collection[str]) -> dict[str, tuple[Actor, str]]:
        self.calls += 1
        if not self.entered.is_set():
            self.entered.set()
            assert self.release.wait(30)
        if self._fail_for in tokens:
            raise RuntimeError("the database went away")
        return {token: PEOPLE[token] for token in tokens if token in PEOPLE}


def _held(saver: DraftSaves, lookup: HeldLookup, count_id: int) -> None:
    """A first save that holds the writer until ``lookup.release`` is set."""
    saver.submit("t-morph", "c-morph", count_id, 1, {"NGS": 1})
    assert lookup.entered.wait(30)


def _held_saver(
    accounts: AccountServices, uow_factory: UnitOfWorkFactory, slides: int, fail_for: str = ""
) -> tuple[list[int], HeldLookup, DraftSaves]:
    """Slides, and a saver whose writer is held in its first batch until released."""
    ids = _slides(accounts, uow_factory, slides)
    lookup = HeldLookup(fail_for)
    saver = DraftSaves(uow_factory, accounts.stores, lookup)
    _held(saver, lookup, ids[0])
    return ids, lookup, saver


def _stored(accounts: AccountServices, uow_factory: UnitOfWorkFactory, count_id: int) -> SlideCount:
    with uow_factory() as uow:
        return counting.get_count(uow, accounts.stores, MORPHOLOGIST, count_id)


def test_saves_that_wait_together_share_one_commit_and_each_gets_its_answer(
    accounts, uow_factory
) -> None:
    ids, lookup, saver = _held_saver(accounts, uow_factory, 10)

    waiting = [
        saver.submit("t-morph", "c-morph", count_id, 3, {"NGS": 2, "BLA": 1}) for count_id in ids
    ]
    lookup.release.set()
    answers = [f.result(timeout=30) for f in waiting]

    assert saver.batches == 2  # the held save, then the ten that queued behind it
    assert lookup.calls == 2  # one session lookup per batch, not per save or person
    assert [a.version for a in answers] == [3] * 10
    for count_id in ids:
        stored = _stored(accounts, uow_factory, count_id)
        assert stored.version == 3
        assert stored.counts == {CellClass.NGS: 2, CellClass.BLA: 1}
        assert stored.counted_by == "morphologist"


def test_a_refused_save_is_refused_alone_and_the_others_of_its_batch_land(
    accounts, uow_factory
) -> None:
    ids = _slides(accounts, uow_factory, 4)
    with uow_factory() as uow:
        counting.finish_count(uow, accounts.stores, MORPHOLOGIST, ids[3], 1, {"NGS": 1})
    lookup = HeldLookup()
    saver = DraftSaves(uow_factory, accounts.stores, lookup)
    _held(saver, lookup, ids[0])

    outcomes = {
        "good": saver.submit("t-morph", "c-morph", ids[1], 5, {"NGS": 5}),
        "pathologist": saver.submit("t-path", "c-path", ids[2], 4, {"LYT": 4}),
        "signed out": saver.submit("t-gone", "c-morph", ids[1], 9, {"NGS": 9}),
        "no csrf": saver.submit("t-morph", None, ids[1], 9, {"NGS": 9}),
        "wrong csrf": saver.submit("t-morph", "c-path", ids[1], 9, {"NGS": 9}),
        "patient": saver.submit("t-patient", "c-patient", ids[1], 9, {"NGS": 9}),
        "saved count": saver.submit("t-morph", "c-morph", ids[3], 9, {"NGS": 9}),
        "no such count": saver.submit("t-morph", "c-morph", 999_999, 9, {"NGS": 9}),
        "stale": saver.submit("t-morph", "c-morph", ids[1], 2, {"NGS": 2}),
    }
    lookup.release.set()

    assert outcomes["good"].result(30).counts == {CellClass.NGS: 5}
    assert outcomes["pathologist"].result(30).counted_by == "pat"
    refusals = {
        "signed out": SignedOut,
        "no csrf": CsrfRefused,
        "wrong csrf": CsrfRefused,
        "patient": PermissionDenied,
        "saved count": ImmutableRecord,
        "no such count": NotFound,
    }
    for name, kind in refusals.items():
        with pytest.raises(kind):
            outcomes[name].result(30)
    assert outcomes["stale"].result(30).version == 5  # already stored: answered, not written
    assert saver.batches == 2
    assert _stored(accounts, uow_factory, ids[1]).counts == {CellClass.NGS: 5}
    assert _stored(accounts, uow_factory, ids[2]).counts == {CellClass.LYT: 4}
    assert _stored(accounts, uow_factory, ids[3]).counts == {CellClass.NGS: 1}  # unchanged


def test_two_states_of_one_slide_in_one_batch_keep_their_order(accounts, uow_factory) -> None:
    ids, lookup, saver = _held_saver(accounts, uow_factory, 1)

    newer = saver.submit("t-morph", "c-morph", ids[0], 9, {"NGS": 9})
    older = saver.submit("t-morph", "c-morph", ids[0], 6, {"NGS": 6})  # arrived late
    lookup.release.set()

    assert newer.result(30).version == 9
    assert older.result(30).version == 9
    assert _stored(accounts, uow_factory, ids[0]).counts == {CellClass.NGS: 9}


def test_when_the_shared_commit_fails_each_save_is_retried_alone(accounts, uow_factory) -> None:
    ids, lookup, saver = _held_saver(accounts, uow_factory, 3, fail_for="t-path")

    good = [saver.submit("t-morph", "c-morph", i, 7, {"NGS": 7}) for i in ids[1:]]
    failing = saver.submit("t-path", "c-path", ids[0], 8, {"NGS": 8})
    lookup.release.set()

    assert [f.result(30).version for f in good] == [7, 7]
    with pytest.raises(RuntimeError):
        failing.result(30)
    assert [_stored(accounts, uow_factory, i).version for i in ids] == [1, 7, 7]


def _signed_in_morphologist(accounts, uow_factory) -> Session:
    with uow_factory() as uow:
        create_user(
            uow,
            accounts.stores,
            Actor("admin", Role.ADMIN),
            username="mo",
            password="a long passphrase here",
            role=Role.MORPHOLOGIST,
        )
    return accounts.auth.sign_in("mo", "a long passphrase here", "test")


def _real_lookup(accounts: AccountServices) -> SessionLookup:
    def lookup(uow: UnitOfWork, tokens: Collection[str]) -> dict[str, tuple[Actor, str]]:
        live = accounts.auth.resolve_many_in(uow, tokens)
        return {token: (found.user.actor(), found.csrf_token) for token, found in live.items()}

    return lookup


def test_the_session_is_checked_in_the_writing_unit_and_a_sign_out_ends_it(
    accounts, uow_factory
) -> None:
    ids = _slides(accounts, uow_factory, 1)
    session = _signed_in_morphologist(accounts, uow_factory)
    saver = DraftSaves(uow_factory, accounts.stores, _real_lookup(accounts))

    saved = saver.submit(session.token, session.csrf_token, ids[0], 3, {"NGS": 3}).result(30)
    accounts.auth.sign_out(session.token)
    after = saver.submit(session.token, session.csrf_token, ids[0], 6, {"NGS": 6})

    assert saved.counted_by == "mo"
    with pytest.raises(SignedOut):
        after.result(30)
    assert _stored(accounts, uow_factory, ids[0]).version == 3


def test_a_save_on_an_idle_session_is_refused_and_the_session_ended(
    accounts, uow_factory, clock
) -> None:
    ids = _slides(accounts, uow_factory, 1)
    session = _signed_in_morphologist(accounts, uow_factory)
    saver = DraftSaves(uow_factory, accounts.stores, _real_lookup(accounts))
    saver.submit(session.token, session.csrf_token, ids[0], 3, {"NGS": 3}).result(30)

    clock.advance(seconds=accounts.auth.policy.idle.total_seconds() + 1)
    late = saver.submit(session.token, session.csrf_token, ids[0], 6, {"NGS": 6})

    with pytest.raises(SignedOut):
        late.result(30)
    with uow_factory() as uow:
        assert (
            uow.bind(accounts.stores.sessions).get_many_with_users([_digest(session.token)]) == {}
        )


def test_the_writer_thread_ends_when_idle_and_a_later_save_starts_another(
    accounts, uow_factory
) -> None:
    ids = _slides(accounts, uow_factory, 1)
    lookup = HeldLookup()
    lookup.release.set()  # nothing held here
    saver = DraftSaves(uow_factory, accounts.stores, lookup, idle_s=0.05)

    saver.submit("t-morph", "c-morph", ids[0], 1, {"NGS": 1}).result(30)
    deadline = time.monotonic() + 10
    while saver.writer_running:
        assert time.monotonic() < deadline, "the idle writer thread did not end"
        time.sleep(0.02)
    again = saver.submit("t-morph", "c-morph", ids[0], 2, {"NGS": 2}).result(30)

    assert again.version == 2


def test_a_save_given_up_before_its_batch_is_not_written_and_the_others_are(
    accounts, uow_factory
) -> None:
    ids, lookup, saver = _held_saver(accounts, uow_factory, 2)

    given_up = saver.submit("t-morph", "c-morph", ids[1], 4, {"NGS": 4})
    kept = saver.submit("t-morph", "c-morph", ids[0], 5, {"NGS": 5})
    assert given_up.cancel()  # the client went away (asyncio cancels the wrapped future)
    lookup.release.set()

    assert kept.result(30).version == 5
    assert _stored(accounts, uow_factory, ids[1]).version == 0
    again = saver.submit("t-morph", "c-morph", ids[1], 6, {"NGS": 6}).result(30)
    assert again.version == 6  # the writer lived on
