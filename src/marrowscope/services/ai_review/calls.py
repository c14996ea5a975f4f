"""Who may review cell calls, the checks each review step makes first, and the reads.

The checks live here, once, because upload, decisions and counting all start with
them: a role that may not review is refused before anything is read, and a slide
label means the same (trimmed, 1-40 characters) on every page.
"""

from __future__ import annotations

from collections.abc import Sequence

from marrowscope.domain.ai_review import CellCall, SlideProgress, progress_of
from marrowscope.domain.errors import InvalidInput, NotFound, PermissionDenied
from marrowscope.domain.roles import Actor
from marrowscope.services import counting
from marrowscope.services.ai_review.ports import ReviewStores
from marrowscope.services.cases import case_grant
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "REVIEW_ROLES",
    "calls_for_case",
    "clean_label",
    "context_of",
    "get_call",
    "require_case",
    "require_reviewer",
    "slide_labels",
    "slides_progress",
    "thumbnail_of",
    "undecided_cells",
]

# Deciding what a cell is, is morphology: the roles that count differentials by hand.
REVIEW_ROLES = counting.COUNTING_ROLES


def require_reviewer(actor: Actor, what: str) -> None:
    """Refuse ``actor`` unless a reviewing role; ``what`` completes the message."""
    if actor.role not in REVIEW_ROLES:
        raise PermissionDenied(f"a {actor.role.value} cannot {what}")


def clean_label(slide_label: str) -> str:
    """The slide label trimmed, refused when empty or longer than 40 characters."""
    label = slide_label.strip()
    if not label or len(label) > 40:
        raise InvalidInput("slide label: 1-40 characters")
    return label


def require_case(uow: UnitOfWork, case_id: int) -> None:
    """Refuse a case id that names no case (``NotFound``)."""
    if uow.cases.get(case_id) is None:
        raise NotFound(f"no case {case_id}")


def calls_for_case(
    uow: UnitOfWork,
    stores: ReviewStores,
    actor: Actor,
    case_id: int,
    slide_label: str | None = None,
) -> list[CellCall]:
    """The case's cell calls (of one slide if given), in upload order."""
    require_reviewer(actor, "review cells")
    require_case(uow, case_id)
    return list(uow.bind(stores.calls).for_case(case_id, slide_label))


def slide_labels(calls: Sequence[CellCall]) -> list[str]:
    """The slides of the calls, in the order they were first uploaded."""
    return list(dict.fromkeys(c.slide_label for c in calls))


def slides_progress(calls: Sequence[CellCall]) -> list[SlideProgress]:
    """Review progress of each slide."""
    return [progress_of(label, calls) for label in slide_labels(calls)]


def get_call(uow: UnitOfWork, stores: ReviewStores, actor: Actor, call_id: int) -> CellCall:
    """One cell call; ``OutOfScope`` when its case is not ``actor``'s (a cell's route
    names no case, so its case's rule is applied here: ``services.cases.access``)."""
    require_reviewer(actor, "review cells")
    found = uow.bind(stores.calls).get(call_id)
    if found is None:
        raise NotFound(f"no cell call {call_id}")
    case_grant(uow, actor, found.case_id)
    return found


def thumbnail_of(uow: UnitOfWork, stores: ReviewStores, actor: Actor, call_id: int) -> bytes:
    """The JPEG thumbnail kept with a cell call."""
    get_call(uow, stores, actor, call_id)  # the role and the case's rule
    found = uow.bind(stores.calls).thumbnail(call_id)
    if found is None:
        raise NotFound(f"no cell call {call_id}")
    return found


def context_of(uow: UnitOfWork, stores: ReviewStores, actor: Actor, call_id: int) -> bytes:
    """The cell among its neighbours (cells found in field images only)."""
    get_call(uow, stores, actor, call_id)  # the role and the case's rule
    found = uow.bind(stores.calls).context(call_id)
    if found is None:
        raise NotFound(f"cell {call_id} has no field view (it was uploaded as a single-cell image)")
    return found


def undecided_cells(uow: UnitOfWork, stores: ReviewStores, actor: Actor, case_id: int) -> int:
    """AI-proposed cells of the case that no person has decided yet (a sign-out warning)."""
    return sum(p.proposed for p in slides_progress(calls_for_case(uow, stores, actor, case_id)))
