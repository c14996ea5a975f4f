"""An existing order changed, cancelled or discontinued by the hospital's system (ORC-1
XO, CA, DC), and the answer to an order message (ORR^O02 / ORL^O22).

The rule, kept simple so that nobody has to guess: the hospital may change, cancel or
discontinue its order until the procedure is recorded on the case. After that the
marrow has been taken and the laboratory holds material; a message cannot undo that,
so the order is left as it is and the answer says why (UC/UD/UX, ERR 206), for the
clinician to call the laboratory. A cancelled or discontinued order cancels its case,
which then leaves every worklist; a change supersedes the order record, so the earlier
order stays in the history. Every step goes through the use cases (``cases.close_case``,
``pathway.correct_record``), audited under the interface account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from marrowscope.domain.cases.model import CaseStatus
from marrowscope.domain.errors import InvalidMessage
from marrowscope.domain.interop.message_log import LoggedMessage
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor
from marrowscope.interop.hl7v2.order_answer import GroupAnswer, order_answer
from marrowscope.interop.hl7v2.order_in import OrderGroup, OrderMessage
from marrowscope.interop.orders import OrderImport
from marrowscope.services import cases
from marrowscope.services.interop.message_log import MessageLog
from marrowscope.services.pathway import correct_record
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["answer_for", "apply_control", "order_key"]

_DONE = {"XO": "changed", "CA": "cancelled", "DC": "discontinued"}


def order_key(placer: str) -> str:
    """The message log's key of an order number (kept apart from results' numbers)."""
    return f"ORDER:{placer}"


def _placed(uow: UnitOfWork, order: OrderImport, log: MessageLog) -> tuple[LoggedMessage, int]:
    """The order's first filing and its case, after checking the patient and the case."""
    placed = log.latest_for_order(order.sender, order_key(order.placer_order))
    if placed is None:
        raise InvalidMessage(
            f"order {order.placer_order} was never received here; nothing was changed",
            code="204",
        )
    case = uow.cases.get(placed.case_id)
    patient = uow.patients.by_mrn(order.patient_mrn)
    if case is None or patient is None or case.patient_id != patient.id:
        raise InvalidMessage(
            f"order {order.placer_order} is for another patient than PID-3; nothing was changed",
            code="204",
        )
    if case.status is not CaseStatus.OPEN:
        raise InvalidMessage(
            f"order {order.placer_order}: its case {case.id} is already {case.status.value}",
            code="206",
        )
    procedure = uow.pathway.latest(case.id, RecordKind.PROCEDURE)
    if procedure is not None:
        raise InvalidMessage(
            f"order {order.placer_order} is in progress: the procedure was recorded on case "
            f"{case.id}; it cannot be changed or cancelled by message, call the laboratory",
            code="206",
        )
    return placed, case.id


def apply_control(
    held: Any, actor: Actor, order: OrderImport, log: MessageLog, log_id: str
) -> tuple[int, int]:
    """Apply XO, CA or DC to the order it names; (case id, order record id). ``held`` is
    the caller's unit with its commits held back; nothing is committed here."""
    placed, case_id = _placed(held, order, log)
    current = held.pathway.latest(case_id, RecordKind.ORDER)
    record_id = current.id if current is not None else placed.record_id
    why = (
        f"{_DONE[order.control]} by the ordering system {order.sender} "
        f"(message {order.control_id}, ORC-1 {order.control})"
    )
    if order.control == "XO":
        changed = correct_record(
            held,
            actor,
            record_id,
            {
                "indications": order.indications,
                "clinical_details": order.clinical_details,
                "urgency": order.urgency,
                "ordered_by": order.requester,
                "origin": order.origin,
            },
            reason=why[0].upper() + why[1:],
        )
        record_id = changed.id
    else:
        cases.close_case(held, actor, case_id, CaseStatus.CANCELLED, why[0].upper() + why[1:])
    log.add(
        LoggedMessage(
            order.sender,
            log_id,
            order.message_type,
            order_key(order.placer_order),
            _DONE[order.control],
            case_id,
            record_id,
            held.now(),
        )
    )
    return case_id, record_id


def _service(group: OrderGroup, sep: str = "^") -> tuple[str, str, str]:
    origin = group.order.origin if group.order is not None else None
    if origin is not None and origin.service_code:
        return origin.service_code, origin.service_text, origin.service_system
    parts = (group.service.split(sep) + ["", "", ""])[:3]
    return parts[0], parts[1], parts[2]


def answer_for(
    read: OrderMessage,
    *,
    control_id: str,
    at: datetime,
    filed: Sequence[tuple[OrderGroup, str | None]],
    error: InvalidMessage | None = None,
    facility: str = "",
) -> str:
    """The ORR^O02 / ORL^O22 for ``read``: each group with its filler number when done."""
    answers = []
    for group, filler in filed:
        origin = group.order.origin if group.order is not None else None
        placer = (
            (origin.placer_number, origin.placer_namespace)
            if origin is not None
            else tuple((group.placer.split("^") + [""])[:2])
        )
        urgent = group.order is not None and group.order.urgency == "urgent"
        answers.append(
            GroupAnswer(
                control=group.control,
                placer=(placer[0], placer[1]),
                service=_service(group),
                done=filler is not None and error is None,
                filler=filler or "",
                priority="S" if urgent else "R",
            )
        )
    header = read.header
    sender = tuple((header.sender.split("^") + [""])[:2])
    return order_answer(
        kind=header.kind,
        version=header.version,
        sender=(sender[0], sender[1]),
        original_id=header.control_id,
        control_id=control_id,
        at=at,
        groups=answers,
        error=error,
        **({"facility": facility} if facility else {}),
    )
