"""Use cases of the clinical pathway before and after the laboratory: blood count,
order, pre-procedure assessment, procedure, aftercare and follow-up check-ins.

Each function is one transaction: it validates through the domain, writes, appends an
audit entry and commits; any error leaves the database unchanged. Corrections insert a
new version that supersedes the old one (``correct_record``), never an overwrite.
The blood count and the order stay here with their corrections, the only records that
can be corrected. The assessment is in ``services.pathway``, the procedure in
``services.pathway``, aftercare and check-ins in ``services.pathway`` and the read
models in ``services.cases`` (all re-exported here, so
``pathway.load_case_record`` keeps working). Specimens, tests and results are in
``services.lab``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.model import Case, CaseStatus
from marrowscope.domain.errors import InvalidInput, NotAllowed, NotFound
from marrowscope.domain.pathway.cbc import evaluate, parse_blood_count
from marrowscope.domain.pathway.indication import (
    make_order,
    suggest_indications,
)
from marrowscope.domain.pathway.order_origin import OrderOrigin
from marrowscope.domain.pathway.records import RecordKind, StoredRecord
from marrowscope.domain.pathway.repeat_orders import OpenOrder, refuse_same_day_repeat
from marrowscope.domain.roles import Actor
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import (
    CLINICAL,
    ORDERERS,
    CbcOutcome,
    codec,
    open_case_for_writing,
    require_staff,
    write_record,
)
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["correct_record", "place_order", "record_cbc"]

# how far ahead of this server's clock another system's order time may be (clocks of
# hospital systems drift by seconds to minutes); anything later is refused as future
ORDER_CLOCK_SKEW = timedelta(minutes=5)


@transactional
def record_cbc(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    collected_at: datetime,
    measurements: Mapping[str, Any],
    laboratory: str = "",
    status: str = "final",
    comparators: Mapping[str, str] | None = None,
) -> CbcOutcome:
    """Record a blood count; returns its flags and the indications it suggests.

    ``status`` "preliminary" and ``comparators`` (values sent as a bound, ``<`` ...) come
    from laboratory messages; a count typed in by hand is final and exact.
    """
    require_staff(actor, CLINICAL)
    _case, patient = open_case_for_writing(uow, actor, case_id)
    count = parse_blood_count(
        collected_at, measurements, laboratory=laboratory, status=status, comparators=comparators
    )
    record = write_record(uow, actor, case_id, RecordKind.CBC, codec.dump(count))
    uow.commit()
    flags = evaluate(count, patient.sex)
    return CbcOutcome(record, flags, suggest_indications(flags))


@transactional
def place_order(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    indications: Sequence[str],
    clinical_details: str,
    urgency: str = "routine",
    ordered_at: datetime | None = None,
    requester: str = "",
    origin: OrderOrigin | None = None,
    tests: Sequence[str] | None = None,
) -> StoredRecord:
    """The clinician's request for a marrow examination, with its indication(s) and the
    tests it asks for (order set items; ``None``: the order code's or indications' defaults).

    An order written first in another system (the hospital's, sent as HL7 or FHIR) keeps
    the time it was authored there and the name of who requested it; without them the
    order is authored now by the actor. Either way it is audited under the actor. Its
    ``origin`` (the hospital's order number, provider and coded diagnoses) is stored
    with the case number as our filler number, so that the result can close that order.
    """
    require_staff(actor, ORDERERS)
    case, _patient = open_case_for_writing(uow, actor, case_id)
    now = uow.now()
    if ordered_at is None:
        ordered_at = now
    elif ordered_at.tzinfo is None:
        raise InvalidInput("ordered_at: a time without its zone offset")
    elif ordered_at > now + ORDER_CLOCK_SKEW:
        raise InvalidInput(f"ordered_at: {ordered_at.isoformat()} is in the future")
    order = make_order(
        indications,
        clinical_details,
        urgency,
        ordered_by=requester.strip() or actor.username,
        ordered_at=ordered_at,
        origin=replace(origin, filler_number=str(case_id)) if origin is not None else None,
        tests=tests,
    )
    refuse_same_day_repeat(order.indications, case.opened_at.date(), _open_orders(uow, case))
    record = write_record(uow, actor, case_id, RecordKind.ORDER, codec.dump(order))
    uow.commit()
    return record


def _open_orders(uow: UnitOfWork, case: Case) -> list[OpenOrder]:
    """The patient's other open cases with their current order (the day compared is the
    UTC day each case was opened: the clock every case is stamped with)."""
    out = []
    for other in uow.cases.for_patient(case.patient_id):
        latest = uow.pathway.latest(other.id, RecordKind.ORDER)
        if other.id == case.id or other.status is not CaseStatus.OPEN or latest is None:
            continue
        indications = frozenset(codec.order_from(latest.payload).indications)
        out.append(OpenOrder(other.id, other.opened_at.date(), indications))
    return out


@transactional
def correct_record(
    uow: UnitOfWork,
    actor: Actor,
    record_id: int,
    changes: Mapping[str, Any],
    *,
    reason: str,
) -> StoredRecord:
    """Correct a CBC or an order: a new version supersedes the old, which stays readable.

    ``changes`` holds the new input as for ``record_cbc`` (``collected_at``,
    ``measurements``) or ``place_order`` (``indications``, ``clinical_details``,
    ``urgency``, ``tests``, and for an order changed by the hospital's system ``origin`` and
    ``ordered_by``); it is validated as fresh input. An order's origin is kept unless
    replaced, so a correction in the app never loses the hospital's order number.
    """
    require_staff(actor, CLINICAL)
    if not reason.strip():
        raise InvalidInput("reason: a correction needs a reason")
    old = uow.pathway.get_record(record_id)
    if old is None:
        raise NotFound(f"no record {record_id}")
    open_case_for_writing(uow, actor, old.case_id)
    if not old.is_current:
        raise NotAllowed(f"record {record_id} was already corrected; correct the newest version")
    if old.kind is RecordKind.CBC:
        count = parse_blood_count(
            changes.get("collected_at") or codec.cbc_from(old.payload).collected_at,
            changes["measurements"],
            laboratory=str(changes.get("laboratory", old.payload.get("laboratory", ""))),
            status=str(changes.get("status", "final")),
            comparators=changes.get("comparators"),
        )
        payload: dict[str, Any] = codec.dump(count)
    elif old.kind is RecordKind.ORDER:
        require_staff(actor, ORDERERS)
        prior = codec.order_from(old.payload)
        order = make_order(
            changes.get("indications", [i.value for i in prior.indications]),
            str(changes.get("clinical_details", prior.clinical_details)),
            changes.get("urgency", prior.urgency),
            ordered_by=str(changes.get("ordered_by") or prior.ordered_by),
            ordered_at=prior.ordered_at,
            origin=changes.get("origin", prior.origin),
            tests=changes.get("tests", prior.tests),
        )
        if "tests" not in changes:  # the tests stand as they were chosen
            order = replace(order, tests_basis=prior.tests_basis)
        payload = codec.dump(order)
    else:
        raise NotAllowed(
            f"{old.kind.value}: record a new {old.kind.value} instead; the earlier one stays"
        )
    new = uow.pathway.add_record(
        old.case_id,
        old.kind,
        payload,
        at=uow.now(),
        by=actor.username,
        supersedes=old,
        reason=reason.strip(),
    )
    record_audit(
        uow,
        actor,
        old.kind.value,
        old.id,
        AuditAction.SUPERSEDE,
        {**dict(old.payload), "superseded_by": None},
        {**payload, "superseded_by": new.id, "reason": reason.strip()},
        case_id=old.case_id,
    )
    uow.commit()
    return new
