"""Counting a differential slide by slide: open a slide, save its state, finish, edit.

The morphologist's browser sends the whole state of the slide with a version; the store
keeps the newest. This makes every request idempotent (see ``domain.slide_counts``).
A finished count is edited only with a reason, and the previous state is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from marrowscope.domain.errors import (
    Conflict,
    ImmutableRecord,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.domain.slide_counts import CountStatus, SlideCount, parse_counts
from marrowscope.domain.taxonomy import CellClass

__all__ = [
    "COUNTING_ROLES",
    "SlideCountStore",
    "counts_for_case",
    "edit_saved_count",
    "finish_count",
    "get_count",
    "open_slide",
    "sync_count",
]

COUNTING_ROLES = frozenset({Role.MORPHOLOGIST, Role.PATHOLOGIST})
READING_ROLES = COUNTING_ROLES | {Role.LAB_SCIENTIST, Role.ADMIN}


class SlideCountStore(Protocol):
    """Persistence of slide counts (implemented in ``db.counter_tables``)."""

    def add(self, case_id: int, slide_label: str, target: int, counted_by: str) -> SlideCount: ...

    def get(self, count_id: int) -> SlideCount | None: ...

    def for_case(self, case_id: int) -> Sequence[SlideCount]: ...

    def save_state(
        self,
        count_id: int,
        counts: Mapping[CellClass, int],
        version: int,
        status: CountStatus,
        by: str,
        reason: str | None = None,
    ) -> SlideCount:
        """Store the state if ``version`` is newer than the stored one; return what is stored."""
        ...


def _require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"a {actor.role.value} cannot {what}")


def get_count(store: SlideCountStore, actor: Actor, count_id: int) -> SlideCount:
    """One slide's count."""
    _require(actor, READING_ROLES, "read differential counts")
    found = store.get(count_id)
    if found is None:
        raise NotFound(f"no slide count {count_id}")
    return found


def counts_for_case(store: SlideCountStore, actor: Actor, case_id: int) -> list[SlideCount]:
    """Every slide counted for a case, in the order they were opened."""
    _require(actor, READING_ROLES | {Role.PATHOLOGIST}, "read differential counts")
    return list(store.for_case(case_id))


def open_slide(
    store: SlideCountStore, actor: Actor, case_id: int, slide_label: str, target: int
) -> SlideCount:
    """Start counting a new slide of a case."""
    _require(actor, COUNTING_ROLES, "count a differential")
    label = slide_label.strip()
    if not label or len(label) > 40:
        raise InvalidInput("slide label: 1-40 characters")
    if not 1 <= target <= 10_000:
        raise InvalidInput("target: between 1 and 10000 cells")
    if any(c.slide_label == label for c in store.for_case(case_id)):
        raise Conflict(f"slide {label!r} is already being counted for this case")
    return store.add(case_id, label, target, actor.username)


def sync_count(
    store: SlideCountStore,
    actor: Actor,
    count_id: int,
    version: int,
    raw_counts: Mapping[str, object],
) -> SlideCount:
    """Save the browser's state of a slide still being counted (stale versions are ignored)."""
    _require(actor, COUNTING_ROLES, "count a differential")
    current = get_count(store, actor, count_id)
    if current.status is CountStatus.SAVED:
        if version <= current.version:  # a late replay of what was saved: nothing to do
            return current
        raise ImmutableRecord("this count is saved; edit it with a reason instead")
    if version < 0:
        raise InvalidInput("version: cannot be negative")
    counts = parse_counts(raw_counts, current.target)
    return store.save_state(count_id, counts, version, CountStatus.COUNTING, actor.username)


def finish_count(
    store: SlideCountStore,
    actor: Actor,
    count_id: int,
    version: int,
    raw_counts: Mapping[str, object],
) -> SlideCount:
    """Save the final state of a slide and mark it saved."""
    _require(actor, COUNTING_ROLES, "count a differential")
    current = get_count(store, actor, count_id)
    if current.status is CountStatus.SAVED:
        raise ImmutableRecord("this count is already saved; edit it with a reason instead")
    counts = parse_counts(raw_counts, current.target)
    newest = max(version, current.version + 1)
    return store.save_state(count_id, counts, newest, CountStatus.SAVED, actor.username)


def edit_saved_count(
    store: SlideCountStore,
    actor: Actor,
    count_id: int,
    raw_counts: Mapping[str, object],
    reason: str,
) -> SlideCount:
    """Correct a saved count; the reason and the previous state are kept in its history."""
    _require(actor, COUNTING_ROLES, "edit a differential count")
    current = get_count(store, actor, count_id)
    if current.status is not CountStatus.SAVED:
        raise InvalidInput("only a saved count is edited; keep counting instead")
    if not reason.strip():
        raise InvalidInput("reason: say why the saved count changes")
    counts = parse_counts(raw_counts, current.target)
    return store.save_state(
        count_id, counts, current.version + 1, CountStatus.SAVED, actor.username, reason.strip()
    )
