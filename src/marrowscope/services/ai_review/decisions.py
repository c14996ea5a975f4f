"""A person's decision on each proposed cell: confirm, change or reject.

Apart from the upload and the count because this is the step the review exists for:
every call passes through ``_decide``, so each decision is audited the same way, with
the old and new state and code beside the model's code, and whether the person
confirmed the model's call or chose the class (``domain.ai_review.confirming``: where
the model abstains, only the second is accepted).
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.domain.ai_review import (
    CallState,
    CellCall,
    confirm_refusal,
    decide,
    needs_person,
    slide_shift,
)
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.counting.taxonomy import CellClass, cell_class
from marrowscope.domain.errors import InvalidInput, NotAllowed, NotFound
from marrowscope.domain.roles import Actor
from marrowscope.services.ai_review.calls import (
    clean_label,
    get_call,
    require_case,
    require_reviewer,
)
from marrowscope.services.ai_review.ports import CellCallStore, ReviewStores
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import case_grant
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["BulkAcceptance", "confirm_unflagged", "decide_action", "decide_cell"]


@dataclass(frozen=True, slots=True)
class BulkAcceptance:
    """What "accept page" (Shift+A) did: cells confirmed, cells left for a person, and why."""

    confirmed: int
    left: int
    abstained: str | None = None  # the slide-level reason when nothing could be accepted

    @property
    def message(self) -> str:
        """The sentence the page shows after the action."""
        if self.abstained:
            return (
                f"Nothing accepted: the model abstains on this slide ({self.abstained}). "
                f"{self.left} cell(s) wait for you to classify."
            )
        return (
            f"{self.confirmed} cell(s) accepted; {self.left} left for a person "
            "(marked for review, unfamiliar or contradicting the detector)."
        )


def _decision_fields(call: CellCall) -> dict[str, object]:
    return {
        "state": call.state,
        "final_code": None if call.final_code is None else call.final_code.value,
        "decided_by": call.decided_by,
        "decided_at": call.decided_at,
    }


def _decide(
    uow: UnitOfWork,
    store: CellCallStore,
    actor: Actor,
    call: CellCall,
    code: CellClass | None,
    *,
    confirming: bool = False,
) -> CellCall:
    """``confirming``: the person accepted the model's call rather than choosing a class."""
    decided = decide(call, code, by=actor.username, at=uow.now())
    store.save_decision(decided)
    record_audit(
        uow,
        actor,
        "ai_cell_call",
        call.id,
        AuditAction.TRANSITION,
        _decision_fields(call),
        {
            **_decision_fields(decided),
            "model_code": call.model.code.value,
            "confirmed_model_call": confirming,
        },
        case_id=call.case_id,
    )
    return decided


@transactional
def decide_cell(
    uow: UnitOfWork,
    stores: ReviewStores,
    actor: Actor,
    call_id: int,
    code: str | None,
) -> CellCall:
    """A person's class for one cell (``None`` rejects it), chosen explicitly.

    Accepted even where the model abstains, and audited as the person's choice even
    when it is the model's own class (the state then reads "confirmed"). Any code of
    the taxonomy may be chosen, including those the model cannot output (a blast, a
    plasma cell): finding those is exactly the person's job.
    """
    require_reviewer(actor, "decide cell calls")
    chosen = None if code is None or code.strip() == "" else cell_class(code.strip())
    store = uow.bind(stores.calls)
    call = store.get_for_update(call_id)
    if call is None:
        raise NotFound(f"no cell call {call_id}")
    case_grant(uow, actor, call.case_id)  # a cell's route names no case: its case's rule
    decided = _decide(uow, store, actor, call, chosen)
    uow.commit()
    return decided


@transactional
def decide_action(
    uow: UnitOfWork,
    stores: ReviewStores,
    actor: Actor,
    call_id: int,
    action: str,
    code: str = "",
) -> CellCall:
    """A reviewer's button: ``confirm`` the model's call, ``change`` to ``code``, ``reject``.

    One place for the rule that the page, its JSON twin and the API share. ``confirm``
    is refused (``NotAllowed``) where the model's call is no proposal; ``change`` to any
    code, the model's own included, is the person's classification.
    """
    if action == "confirm":
        return _confirm(uow, stores, actor, call_id)
    if action == "reject":
        return decide_cell(uow, stores, actor, call_id, None)
    if action == "change" and code.strip():
        return decide_cell(uow, stores, actor, call_id, code)
    if action == "change":
        raise InvalidInput("code: choose the cell's class")
    raise InvalidInput("action: confirm, change or reject")


def _confirm(uow: UnitOfWork, stores: ReviewStores, actor: Actor, call_id: int) -> CellCall:
    """The model's call copied into the record, unless there is no proposal to confirm.

    The slide's abstention is computed from its stored cells in the same transaction,
    as "accept page" does, so the refusal holds for every client, not only the gallery.
    """
    get_call(uow, stores, actor, call_id)  # the role, the cell and its case's rule
    store = uow.bind(stores.calls)
    call = store.get_for_update(call_id)
    if call is None:
        raise NotFound(f"no cell call {call_id}")
    slide = store.for_case(call.case_id, call.slide_label)
    refusal = confirm_refusal(call, slide_shift(call.slide_label, slide) is not None)
    if refusal is not None:
        raise NotAllowed(refusal)
    decided = _decide(uow, store, actor, call, call.model.code, confirming=True)
    uow.commit()
    return decided


@transactional
def confirm_unflagged(
    uow: UnitOfWork, stores: ReviewStores, actor: Actor, case_id: int, slide_label: str
) -> BulkAcceptance:
    """Confirm every undecided call of a slide that needs no person's eye.

    For the page where the morphologist has looked over the thumbnails. Left undecided,
    each for its own decision: cells marked for review, unfamiliar cells, and cells
    whose class contradicts the detector (checked on the stored call, so older records
    are caught too). On a slide where the model abstains nothing is accepted at all:
    its calls are no proposal.
    """
    require_reviewer(actor, "decide cell calls")
    require_case(uow, case_id)
    store = uow.bind(stores.calls)
    slide = store.for_case(case_id, clean_label(slide_label))
    undecided = [c for c in slide if c.state is CallState.PROPOSED]
    shift = slide_shift(clean_label(slide_label), slide)
    if shift is not None:
        return BulkAcceptance(0, len(undecided), shift.reason)
    confirmed = 0
    for call in undecided:
        if not needs_person(call):
            _decide(uow, store, actor, call, call.model.code, confirming=True)
            confirmed += 1
    uow.commit()
    return BulkAcceptance(confirmed, len(undecided) - confirmed)
