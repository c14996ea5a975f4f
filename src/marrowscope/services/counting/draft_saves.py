"""Group commit of the counter's draft saves: many counters' saves, one transaction.

Each counting morphologist's browser saves the whole state of the slide about seven
times a second (static/counter.js batches 150 ms of key presses). With fifty people
counting, one transaction per save made every save queue for the database's write lock
and pay its own commit (an fsync on SQLite with ``synchronous=FULL``, a WAL flush on
PostgreSQL): the save's p95 rose to 20 times that of a constant answer
(``benchmarks/load.py``, 50 concurrent counters).

Here the saves a server process receives are handed to one writer thread. It takes all
that are waiting (up to ``max_batch``) and, in one unit of work, checks each save's
session (``AuthService.resolve_many_in``: the batch's sessions in one go), its CSRF token and
its role, applies it with
:func:`~marrowscope.services.counting.slide_counts.next_draft` (the rules of a single
save), writes the changed counts in one statement and commits once; then every save in
the batch is answered. So:

- the session is checked in the transaction that writes, as every other route checks it
  before its own (an ended session answers :class:`SignedOut`, a wrong token
  :class:`CsrfRefused`, a role that does not count ``PermissionDenied``), without a
  database round trip of its own for each save; the check itself is the accounts
  area's, handed in as a :data:`SessionLookup` (capabilities do not import each other);
- a save is acknowledged only after the commit that holds it, as before;
- a refused save (wrong role, stale version, a count already saved, bad counts) is
  refused alone: ``next_draft`` raises before anything is written, and the others
  still commit;
- if the shared commit fails, each save of the batch is retried in its own unit, so a
  fault in one cannot sink the others, and each is answered with its own outcome;
- the counts of a batch are locked in one statement in order of id, so two server
  processes lock rows in the same order; should PostgreSQL still end one transaction
  (deadlock, serialisation), its saves are retried one by one as above.

The writer thread starts with the first save and ends after ``idle_s`` without one, so
an app built in a test and dropped leaves no thread behind.
"""

from __future__ import annotations

import hmac
import queue
import threading
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field

from marrowscope.domain.counting.slide_counts import SlideCount
from marrowscope.domain.errors import AuthenticationFailed, MarrowscopeError, PermissionDenied
from marrowscope.domain.roles import Actor
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.cases import case_grant
from marrowscope.services.counting.slide_counts import next_draft
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ["CsrfRefused", "DraftSaves", "SessionLookup", "SignedOut"]

SessionLookup = Callable[[UnitOfWork, Collection[str]], Mapping[str, tuple[Actor, str]]]
"""Session tokens -> (the person, the session's CSRF token) of each live one, looked up
(and touched, or ended if lapsed) in the given unit; a token without a live session is
absent."""


class SignedOut(AuthenticationFailed):
    """The save's session is unknown, expired, idle or its account closed."""


class CsrfRefused(PermissionDenied):
    """The save did not carry its session's CSRF token."""


@dataclass
class _Draft:
    token: str
    csrf: str | None
    count_id: int
    version: int
    counts: Mapping[str, object]
    answer: Future[SlideCount] = field(default_factory=Future)


class DraftSaves:
    """One writer thread per server process that commits waiting draft saves together.

    One writer suits SQLite, which lets one transaction write at a time anyway. On
    PostgreSQL a second writer was measured and was worse (counter-save p95 2.3x the
    floor's against 1.7x with one, 3 rounds each on the 2-core machine): it adds a
    thread that competes for the interpreter and the cores, and saves no round trip.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        stores: AccountStores,
        sessions: SessionLookup,
        *,
        max_batch: int = 64,
        idle_s: float = 10.0,
    ) -> None:
        self._uow_factory = uow_factory
        self._stores = stores
        self._sessions = sessions
        self._max_batch = max_batch
        self._idle_s = idle_s
        self._waiting: queue.SimpleQueue[_Draft] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self.batches = 0  # commits made, for tests and benchmarks

    @property
    def writer_running(self) -> bool:
        """Whether the writer thread is alive (it ends after ``idle_s`` without a save)."""
        with self._lock:
            return self._writer is not None and self._writer.is_alive()

    def submit(
        self,
        token: str,
        csrf: str | None,
        count_id: int,
        version: int,
        counts: Mapping[str, object],
    ) -> Future[SlideCount]:
        """Queue a draft save made with session ``token`` and CSRF token ``csrf``; the
        future holds the stored count once it is committed, or why it was refused."""
        draft = _Draft(token, csrf, count_id, version, dict(counts))
        self._waiting.put(draft)
        with self._lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._run, name="marrowscope-draft-saves", daemon=True
                )
                self._writer.start()
        return draft.answer

    def _run(self) -> None:
        while True:
            try:
                first = self._waiting.get(timeout=self._idle_s)
            except queue.Empty:
                with self._lock:
                    if self._waiting.empty():  # a submit after this sees no live writer
                        self._writer = None
                        return
                continue
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            # A save whose request was given up (its future cancelled) is not written;
            # the others can no longer be cancelled, so every answer below lands.
            batch = [d for d in batch if d.answer.set_running_or_notify_cancel()]
            if batch:
                self._commit(batch)

    def _commit(self, batch: list[_Draft]) -> None:
        outcomes: list[SlideCount | MarrowscopeError] = []
        try:
            with self._uow_factory() as uow:
                store = uow.bind(self._stores.slide_counts)
                states = store.many_for_update([d.count_id for d in batch])
                changed: dict[int, SlideCount] = {}
                people = self._sessions(uow, {draft.token for draft in batch})
                at = uow.now()
                for draft in batch:
                    try:
                        actor = self._actor(people, draft)
                        current = states.get(draft.count_id)
                        if current is not None:  # the case's rule, as every count route
                            case_grant(uow, actor, current.case_id)
                        state = next_draft(
                            actor, draft.count_id, states.get(draft.count_id),
                            draft.version, draft.counts, at,
                        )  # fmt: skip
                    except MarrowscopeError as refused:
                        outcomes.append(refused)
                        continue
                    if state is not states[draft.count_id]:
                        states[draft.count_id] = changed[draft.count_id] = state
                    outcomes.append(state)
                store.save_drafts(list(changed.values()))
                uow.commit()
        except Exception as failed:  # noqa: BLE001 - answered below, never swallowed
            if len(batch) > 1:
                for draft in batch:  # alone, each gets its own outcome
                    self._commit([draft])
                return
            self._answer(batch[0], failed)
            return
        with self._lock:
            self.batches += 1
        for draft, outcome in zip(batch, outcomes, strict=True):
            self._answer(draft, outcome)

    @staticmethod
    def _actor(people: Mapping[str, tuple[Actor, str]], draft: _Draft) -> Actor:
        """The person behind the draft, once their session and CSRF token are checked."""
        found = people.get(draft.token)
        if found is None:
            raise SignedOut("sign in first")
        actor, csrf = found
        if draft.csrf is None or not hmac.compare_digest(csrf, draft.csrf):
            raise CsrfRefused("the save was missing its security token; reload the page")
        return actor

    def _answer(self, draft: _Draft, outcome: SlideCount | Exception) -> None:
        if isinstance(outcome, Exception):
            draft.answer.set_exception(outcome)
        else:
            draft.answer.set_result(outcome)
