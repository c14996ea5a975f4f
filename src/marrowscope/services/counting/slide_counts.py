"""Counting a differential slide by slide: open a slide, save its state, finish, edit.

The morphologist's browser sends the whole state of the slide with a version; the store
keeps the newest. This makes every request idempotent (see ``domain.slide_counts``).
A finished count is edited only with a reason, and the previous state is kept.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.counting.counter import CellCounter
from marrowscope.domain.counting.counts import CellCounts, merge_counts
from marrowscope.domain.counting.differential import Differential, compute_differential
from marrowscope.domain.counting.flag_summary import consolidate
from marrowscope.domain.counting.slide_counts import (
    CountStatus,
    SlideCount,
    check_version,
    parse_counts,
)
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.counting.thresholds import evaluate_differential
from marrowscope.domain.errors import (
    Conflict,
    ImmutableRecord,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.account_stores import AccountStores, SlideCountStore
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import case_grant
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "READING_ROLES",
    "COUNTING_ROLES",
    "next_draft",
    "CountSummary",
    "counts_for_case",
    "edit_saved_count",
    "finish_count",
    "get_count",
    "merged_counts",
    "open_slide",
    "summarise",
    "sync_count",
]

COUNTING_ROLES = frozenset({Role.MORPHOLOGIST, Role.PATHOLOGIST})
READING_ROLES = COUNTING_ROLES | {Role.LAB_SCIENTIST, Role.ADMIN}


def _require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"a {actor.role.value} cannot {what}")


def _store(uow: UnitOfWork, stores: AccountStores) -> SlideCountStore:
    return uow.bind(stores.slide_counts)


def _fields(count: SlideCount) -> dict[str, object]:
    return {
        "slide_label": count.slide_label,
        "status": count.status,
        "target": count.target,
        "counts": {c.value: n for c, n in sorted(count.counts.items())},
    }


def _case_exists(uow: UnitOfWork, case_id: int) -> None:
    if uow.cases.get(case_id) is None:
        raise NotFound(f"no case {case_id}")


def get_count(uow: UnitOfWork, stores: AccountStores, actor: Actor, count_id: int) -> SlideCount:
    """One slide's count."""
    _require(actor, READING_ROLES, "read differential counts")
    found = _store(uow, stores).get(count_id)
    if found is None:
        raise NotFound(f"no slide count {count_id}")
    case_grant(uow, actor, found.case_id)  # a count's route names no case: its case's rule
    return found


def _for_update(uow: UnitOfWork, stores: AccountStores, actor: Actor, count_id: int) -> SlideCount:
    found = _store(uow, stores).get_for_update(count_id)
    if found is None:
        raise NotFound(f"no slide count {count_id}")
    case_grant(uow, actor, found.case_id)
    return found


def counts_for_case(
    uow: UnitOfWork, stores: AccountStores, actor: Actor, case_id: int
) -> list[SlideCount]:
    """Every slide counted for a case, in the order they were opened."""
    _require(actor, READING_ROLES, "read differential counts")
    return list(_store(uow, stores).for_case(case_id))


def open_slide(
    uow: UnitOfWork,
    stores: AccountStores,
    actor: Actor,
    case_id: int,
    slide_label: str,
    target: int | None = None,
) -> SlideCount:
    """Start counting a new slide of a case (target: the laboratory's, 500 by ICSH)."""
    _require(actor, COUNTING_ROLES, "count a differential")
    _case_exists(uow, case_id)
    label = slide_label.strip()
    if not label or len(label) > 40:
        raise InvalidInput("slide label: 1-40 characters")
    chosen = CellCounter.start().target_cells if target is None else target
    if not 1 <= chosen <= 10_000:
        raise InvalidInput("target: between 1 and 10000 cells")
    store = _store(uow, stores)
    if any(c.slide_label == label for c in store.for_case(case_id)):
        raise Conflict(f"slide {label!r} is already being counted for this case")
    count = store.add(case_id, label, chosen, actor.username)
    record_audit(
        uow,
        actor,
        "slide_count",
        count.id,
        AuditAction.CREATE,
        None,
        _fields(count),
        case_id=case_id,
    )
    uow.commit()
    return count


def sync_count(
    uow: UnitOfWork,
    stores: AccountStores,
    actor: Actor,
    count_id: int,
    version: int,
    raw_counts: Mapping[str, object],
) -> SlideCount:
    """Save the browser's state of a slide still being counted (stale versions are ignored).

    Drafts are not audited one by one (a count sends dozens); opening, finishing and
    every edit of a saved count are.
    """
    store = _store(uow, stores)
    current = store.get_for_update(count_id)
    if current is not None:
        case_grant(uow, actor, current.case_id)
    state = next_draft(actor, count_id, current, version, raw_counts, uow.now())
    if state is current:
        return state
    saved = store.save_state(
        count_id, state.counts, version, CountStatus.COUNTING, actor.username, at=state.updated_at
    )
    uow.commit()
    return saved


def next_draft(
    actor: Actor,
    count_id: int,
    current: SlideCount | None,
    version: int,
    raw_counts: Mapping[str, object],
    at: datetime,
) -> SlideCount:
    """The state a draft save leaves: ``current`` itself if the version is not newer.

    Every refusal (role, version, missing or saved count, bad counts) is raised here,
    before anything is written, so a refused draft leaves its unit as it found it and
    the other drafts of a group commit (``draft_saves``) still land.
    """
    _require(actor, COUNTING_ROLES, "count a differential")
    check_version(version)
    if current is None:
        raise NotFound(f"no slide count {count_id}")
    if version <= current.version:  # a late or repeated request: already stored
        return current
    if current.status is CountStatus.SAVED:
        raise ImmutableRecord("this count is saved; edit it with a reason instead")
    counts = parse_counts(raw_counts, current.target)
    return replace(
        current,
        counts=counts,
        version=version,
        status=CountStatus.COUNTING,
        counted_by=actor.username,
        updated_at=at,
    )


def finish_count(
    uow: UnitOfWork,
    stores: AccountStores,
    actor: Actor,
    count_id: int,
    version: int,
    raw_counts: Mapping[str, object],
) -> SlideCount:
    """Save the final state of a slide and mark it saved."""
    _require(actor, COUNTING_ROLES, "count a differential")
    check_version(version)
    current = _for_update(uow, stores, actor, count_id)
    if current.status is CountStatus.SAVED:
        raise ImmutableRecord("this count is already saved; edit it with a reason instead")
    counts = parse_counts(raw_counts, current.target)
    newest = max(version, current.version + 1)
    saved = _store(uow, stores).save_state(
        count_id, counts, newest, CountStatus.SAVED, actor.username, at=uow.now()
    )
    record_audit(
        uow,
        actor,
        "slide_count",
        count_id,
        AuditAction.TRANSITION,
        _fields(current),
        _fields(saved),
        case_id=current.case_id,
    )
    uow.commit()
    return saved


def edit_saved_count(
    uow: UnitOfWork,
    stores: AccountStores,
    actor: Actor,
    count_id: int,
    raw_counts: Mapping[str, object],
    reason: str,
) -> SlideCount:
    """Correct a saved count; the reason and the previous state are kept in its history."""
    _require(actor, COUNTING_ROLES, "edit a differential count")
    current = _for_update(uow, stores, actor, count_id)
    if current.status is not CountStatus.SAVED:
        raise InvalidInput("only a saved count is edited; keep counting instead")
    if not reason.strip():
        raise InvalidInput("reason: say why the saved count changes")
    counts = parse_counts(raw_counts, current.target)
    saved = _store(uow, stores).save_state(
        count_id,
        counts,
        current.version + 1,
        CountStatus.SAVED,
        actor.username,
        reason.strip(),
        at=uow.now(),
    )
    record_audit(
        uow,
        actor,
        "slide_count",
        count_id,
        AuditAction.SUPERSEDE,
        _fields(current),
        {**_fields(saved), "reason": reason.strip()},
        case_id=current.case_id,
    )
    uow.commit()
    return saved


@dataclass(frozen=True, slots=True)
class CountSummary:
    """What the counter shows beside the keys: totals, percentages, M:E, adequacy, flags."""

    nucleated_cells: int
    excluded_cells: int
    percentages: Mapping[CellClass, float]
    me_ratio: float | None
    adequacy_warning: str | None
    flags: tuple[str, ...]


def summarise(counts: Mapping[CellClass, int]) -> CountSummary:
    """The live figures for a tally (one slide, or several slides merged).

    Memoised on the tally: the save that stores a state has just computed its figures,
    and the lists and pages that show the same state next (a case's slides, the
    worklists) would otherwise compute them again, about a millisecond each. The
    figures depend on nothing but the tally and the cited tables, which are fixed for
    the life of the process; the summary is frozen and its percentages read-only.
    """
    return _summary_of(tuple(sorted(counts.items(), key=lambda item: str(item[0]))))


@functools.lru_cache(maxsize=4096)
def _summary_of(items: tuple[tuple[CellClass, int], ...]) -> CountSummary:
    tally = CellCounts(items)
    if tally.nucleated_cells == 0:
        return CountSummary(0, tally.excluded_cells, MappingProxyType({}), None, None, ())
    diff = compute_differential(tally)
    return CountSummary(
        nucleated_cells=diff.nucleated_cells,
        excluded_cells=diff.excluded_cells,
        percentages=MappingProxyType(
            {row.code: round(row.percent, 1) for row in diff.counted_rows()}
        ),
        me_ratio=None if diff.me.ratio is None else round(diff.me.ratio, 2),
        adequacy_warning=diff.adequacy.warning,
        flags=_flags(diff),
    )


def _flags(diff: Differential) -> tuple[str, ...]:
    """WHO 2022 / ICC 2022 / IMWG threshold flags, worded "consistent with"/"consider":
    one line per family of rules, with the cells that would settle a "near" threshold."""
    lines = consolidate(evaluate_differential(diff), diff.level, diff.method)
    return tuple(line.text for line in lines)


def merged_counts(counts: Sequence[SlideCount]) -> dict[CellClass, int]:
    """Counts of several slides of one case added per class."""
    merged = merge_counts(*(CellCounts(tuple(c.counts.items())) for c in counts))
    return merged.as_dict()
