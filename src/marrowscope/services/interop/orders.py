"""An order for a marrow examination in from the hospital (HL7 OML^O21/ORM^O01 or a FHIR
ServiceRequest): the patient matched or registered, the order placed, always an answer.

The order goes through the same use cases as one placed in the app
(``cases.register_patient``, ``cases.open_case``, ``pathway.place_order``), so it is
checked and audited the same way, under the interface's account, keeping the time it was
authored and who asked for it. Those use cases commit one by one; here they run inside a
unit whose commits are held back (``_HeldCommits``) until the order is logged, so that a
refusal at any step leaves no patient, case or order behind. In order: a message already
filed (same sender and MSH-10, or the same ServiceRequest identifier) is answered again
and not filed twice; the same placer order number in a new message is refused (205);
the MRN's patient must agree with the name, sex and birth date sent, or nothing is
written (204); an unknown MRN registers the patient, which needs all three.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

from marrowscope.domain.cases.model import CaseStatus, Patient, Sex, clean_mrn
from marrowscope.domain.errors import InvalidInput, InvalidMessage
from marrowscope.domain.interop.message_log import LoggedMessage
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop import hl7v2
from marrowscope.interop.fhir_order import operation_outcome, read_service_request
from marrowscope.interop.hl7v2.order_in import OrderGroup, OrderMessage, read_orders
from marrowscope.interop.orders import OrderImport
from marrowscope.services import cases
from marrowscope.services.interop.cbc_import import MAX_FHIR_CHARS
from marrowscope.services.interop.hl7 import (
    HL7_INTERFACE,
    HL7Import,
    as_message_error,
    identity_disagreements,
)
from marrowscope.services.interop.message_log import MessageLog, default_log
from marrowscope.services.interop.order_control import answer_for, apply_control, order_key
from marrowscope.services.pathway import place_order
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "FHIR_INTERFACE",
    "FhirOrderImport",
    "OrderFiled",
    "import_fhir_order",
    "import_hl7_order",
]

# the account a FHIR client's orders are written under (orders need clinician rights)
FHIR_INTERFACE = Actor("fhir-interface", Role.CLINICIAN)
_SEX = {"M": Sex.MALE, "F": Sex.FEMALE, "O": Sex.OTHER, "U": Sex.UNKNOWN}
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OrderFiled:
    """Where an order was filed; ``duplicate`` when it had been filed before."""

    case_id: int
    record_id: int
    patient_registered: bool = False
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class FhirOrderImport:
    """The OperationOutcome to send back, and where the order went when it was filed."""

    outcome: dict[str, Any]
    accepted: bool
    filed: OrderFiled | None = None
    error: str = ""


class _HeldCommits:
    """The caller's unit with ``commit`` held back: the use cases it is passed to write
    and audit as usual, and the caller commits all of it once, or rolls all of it back."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        """Held back until the whole order is filed."""

    def bind(self, factory: Callable[[Any], T]) -> T:
        return self._uow.bind(factory)


def _patient(uow: UnitOfWork, actor: Actor, order: OrderImport) -> tuple[Patient, bool]:
    """The MRN's patient if the identity sent agrees; a new patient when the MRN is new."""
    try:
        mrn = clean_mrn(order.patient_mrn)
    except InvalidInput as error:
        raise InvalidMessage(f"patient identifier: {error}", code="102") from None
    found = uow.patients.by_mrn(mrn)
    if found is not None:
        wrong = identity_disagreements(found, order.identity)
        if wrong:
            # the names are not echoed: the answer may travel through other systems' logs
            raise InvalidMessage(
                ", ".join(wrong) + " disagree with the patient registered under this MRN; "
                "nothing was filed",
                code="204",
            )
        return found, False
    sent = order.identity
    if not (sent.family_name and sent.given_name and sent.birth_date and sent.sex in _SEX):
        raise InvalidMessage(
            "no patient is registered under this MRN, and registering one needs family and "
            "given name, date of birth and sex (PID-5, PID-7, PID-8)",
            code="101",
        )
    new = cases.register_patient(
        uow,
        actor,
        mrn=mrn,
        family_name=sent.family_name,
        given_name=sent.given_name,
        birth_date=sent.birth_date,
        sex=_SEX[sent.sex],
    )
    return new, True


def _case_for_order(uow: UnitOfWork, actor: Actor, patient: Patient, location: str) -> int:
    """The patient's newest open case that has no order yet, else a new case of the
    ward the EHR placed the order from (``location`` mapped; else the default ward)."""
    for case in sorted(
        uow.cases.for_patient(patient.id), key=lambda c: (c.opened_at, c.id), reverse=True
    ):
        if case.status is CaseStatus.OPEN and uow.pathway.latest(case.id, RecordKind.ORDER) is None:
            return case.id
    ward = uow.access.policy.ward_for_location(location)
    return cases.open_case(uow, actor, patient.id, ward=ward).id


def _file(uow: UnitOfWork, actor: Actor, order: OrderImport, log: MessageLog) -> OrderFiled:
    """File ``order`` (or find it filed); one commit."""
    earlier = log.find(order.sender, order.control_id)
    if earlier is not None:
        return OrderFiled(earlier.case_id, earlier.record_id, duplicate=True)
    held: Any = _HeldCommits(uow)
    filed = _place(held, actor, order, log, order.control_id)
    uow.commit()
    return filed


def _place(held: Any, actor: Actor, order: OrderImport, log: MessageLog, log_id: str) -> OrderFiled:
    """Place a new order on its patient's case; ``held`` commits nothing."""
    placed = log.latest_for_order(order.sender, order_key(order.placer_order))
    if placed is not None:
        raise InvalidMessage(
            f"order {order.placer_order} was received before (message {placed.control_id}) "
            f"and is on case {placed.case_id}; nothing was filed",
            code="205",
        )
    patient, registered = _patient(held, actor, order)
    case_id = _case_for_order(held, actor, patient, order.location)
    record = place_order(
        held,
        actor,
        case_id,
        indications=order.indications,
        clinical_details=order.clinical_details,
        urgency=order.urgency,
        ordered_at=order.ordered_at,
        requester=order.requester,
        origin=order.origin,
    )
    log.add(
        LoggedMessage(
            order.sender,
            log_id,
            order.message_type,
            order_key(order.placer_order),
            "new",
            case_id,
            record.id,
            held.now(),
            digest=order.digest,
        )
    )
    return OrderFiled(case_id, record.id, patient_registered=registered)


def _refused(
    read: OrderMessage, error: Exception, filed: list[tuple[OrderGroup, str | None]]
) -> InvalidMessage:
    refused = as_message_error(error)
    done = {id(g) for g, _ in filed}
    filed[:] = [(g, None) for g, _ in filed] + [(g, None) for g in read.groups if id(g) not in done]
    filed.sort(key=lambda pair: pair[0].index)
    return refused


def _apply_groups(
    uow: UnitOfWork, actor: Actor, read: OrderMessage, log: MessageLog
) -> list[tuple[OrderGroup, str | None]]:
    """Every group we take, in order, in one transaction (committed by the caller); a
    group refused for its content refuses the message; one for a service that is not
    ours (103) is answered UA and the others are still taken."""
    if read.refused is not None:
        raise read.refused
    held: Any = _HeldCommits(uow)
    filed: list[tuple[OrderGroup, str | None]] = []
    for group in read.groups:
        order = group.order
        if order is None:
            refused = group.refused
            if refused is not None and getattr(refused, "code", "") != "103":
                raise refused
            filed.append((group, None))
            continue
        # the first group's row carries the message's control id (duplicates are found
        # by it); the others are told apart by their position
        log_id = (
            order.control_id
            if not any(f for _, f in filed)
            else f"{order.control_id}#{group.index}"
        )
        if order.control == "NW":
            placed = _place(held, actor, order, log, log_id)
            filed.append((group, str(placed.case_id)))
        else:
            case_id, _record = apply_control(held, actor, order, log, log_id)
            filed.append((group, str(case_id)))
    if not any(f for _, f in filed):
        first = next((g.refused for g in read.groups if g.refused is not None), None)
        raise first or InvalidMessage("HL7: the message holds no order we take", code="103")
    return filed


def import_hl7_order(
    uow: UnitOfWork,
    message: str | bytes,
    *,
    actor: Actor = HL7_INTERFACE,
    rules: hl7v2.InboundRules | None = None,
    messages: Callable[[Any], MessageLog] | None = None,
) -> HL7Import:
    """File the groups of an ORM^O01 / OML^O21 (new, changed, cancelled, discontinued
    marrow examination orders); always answers: ORR^O02 / ORL^O22 once the message is
    read as an order, the plain ACK when it cannot be.

    The same MSH-10 again with the same content is answered with the first answer and
    files nothing; with other content it is refused (AE 205), nothing filed.
    """
    control = f"ACK-{uuid.uuid4().hex[:12]}"
    log = uow.bind(messages or default_log())
    try:
        read = read_orders(message, rules)
    except Exception as error:  # noqa: BLE001 - a sender must always get an answer
        uow.rollback()
        refused = as_message_error(error)
        return HL7Import(
            ack=hl7v2.ack(message, control_id=control, at=uow.now(), error=refused),
            accepted=False,
            case_id=None,
            error=str(refused),
        )
    header = read.header
    earlier = log.find(header.sender, header.control_id)
    if earlier is not None and (not earlier.digest or earlier.digest == read.digest):
        again = earlier.answer or answer_for(
            read,
            control_id=control,
            at=uow.now(),
            filed=[(g, str(earlier.case_id)) for g in read.groups],
        )
        return HL7Import(ack=again, accepted=True, case_id=earlier.case_id, duplicate=True)
    filed: list[tuple[OrderGroup, str | None]] = []
    try:
        if earlier is not None:
            raise InvalidMessage(
                f"MSH-10 {header.control_id} was used before for a different message "
                f"(received {earlier.received_at:%Y-%m-%d %H:%M} UTC); nothing was filed; "
                "send each message with its own control id",
                code="205",
            )
        filed = _apply_groups(uow, actor, read, log)
        answer = answer_for(read, control_id=control, at=uow.now(), filed=filed)
        log.set_answer(header.sender, header.control_id, read.digest, answer)
        uow.commit()
    except Exception as error:  # noqa: BLE001 - a sender must always get an answer
        uow.rollback()
        refused = _refused(read, error, filed)
        return HL7Import(
            ack=answer_for(read, control_id=control, at=uow.now(), filed=filed, error=refused),
            accepted=False,
            case_id=None,
            error=str(refused),
        )
    case_ids = [int(f) for _, f in filed if f is not None]
    return HL7Import(ack=answer, accepted=True, case_id=case_ids[0] if case_ids else None)


def _json(data: Mapping[str, Any] | str) -> Mapping[str, Any]:
    if not isinstance(data, str):
        return data
    if len(data) > MAX_FHIR_CHARS:
        raise InvalidMessage(f"FHIR: larger than {MAX_FHIR_CHARS} characters", code="100")
    try:
        loaded = json.loads(data)
    except json.JSONDecodeError as error:
        raise InvalidMessage(f"FHIR: not JSON ({error.msg}, line {error.lineno})") from None
    except (RecursionError, ValueError):
        raise InvalidMessage("FHIR: unreadable JSON") from None
    if not isinstance(loaded, Mapping):
        raise InvalidMessage("FHIR: expected a JSON object (a ServiceRequest or a Bundle)")
    return loaded


def import_fhir_order(
    uow: UnitOfWork,
    data: Mapping[str, Any] | str,
    *,
    actor: Actor = FHIR_INTERFACE,
    authority: str = "",
    messages: Callable[[Any], MessageLog] | None = None,
    provider_id_type: str = "",
) -> FhirOrderImport:
    """File a ServiceRequest for a marrow examination; always answers an OperationOutcome.
    ``provider_id_type`` (the site's, e.g. NPI) picks the requester's identifier."""
    log = uow.bind(messages or default_log())
    try:
        order = read_service_request(
            _json(data), authority=authority, provider_id_type=provider_id_type
        )
        filed = _file(uow, actor, order, log)
    except Exception as error:  # noqa: BLE001 - a client must always get an answer
        uow.rollback()
        refused = as_message_error(error)
        return FhirOrderImport(operation_outcome(refused), accepted=False, error=str(refused))
    said = "already filed" if filed.duplicate else "filed"
    text = f"order {said} on case {filed.case_id}"
    return FhirOrderImport(operation_outcome(None, text), accepted=True, filed=filed)
