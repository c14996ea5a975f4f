"""An HL7 ORU^R01 blood count filed on the right patient's case, once; always an ACK.

The message is read whole first (``interop.hl7v2``); then, in order: a message already
filed (same sender, same MSH-10) is acknowledged again and not stored twice; the MRN
(PID-3, type MR of the configured authority) must name a registered patient whose name,
sex and date of birth agree with PID-5/7/8, or nothing is written (a wrong-patient
result is the worst error an interface can make); a result for an order already filed
from the same sender supersedes it (preliminary -> final, final -> corrected) through
``pathway.correct_record``, so the earlier value stays in the history; anything else is
filed through ``pathway.record_cbc`` like a count typed in by hand.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marrowscope.domain.cases.model import CaseStatus, Patient
from marrowscope.domain.errors import (
    InvalidInput,
    InvalidMessage,
    MarrowscopeError,
    NotAllowed,
    NotFound,
)
from marrowscope.domain.interop.message_log import LoggedMessage
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop import hl7v2
from marrowscope.interop.codes import CbcImport, PatientIdentity
from marrowscope.interop.hl7v2.er7_reader import message_digest
from marrowscope.services.cases import CbcOutcome, cbc_outcome
from marrowscope.services.interop.message_log import MessageLog, default_log
from marrowscope.services.pathway import correct_record, record_cbc
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "HL7_INTERFACE",
    "HL7Import",
    "as_message_error",
    "file_hl7_cbc",
    "identity_disagreements",
]

# The identity an interface engine writes under (a CBC is clinical data: clinician rights).
HL7_INTERFACE = Actor("hl7-interface", Role.CLINICIAN)
_SEX = {"M": "male", "F": "female"}


@dataclass(frozen=True, slots=True)
class HL7Import:
    """What an HL7 import did: the ACK to send back, and the count when one was filed."""

    ack: str
    accepted: bool
    case_id: int | None
    error: str = ""
    outcome: CbcOutcome | None = None
    duplicate: bool = False  # acknowledged again; the first delivery was filed


def _fold(text: str) -> str:
    """A name compared without case, accents, spaces or punctuation (Müller = MULLER)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.casefold() if c.isalpha())


def identity_disagreements(patient: Patient, sent: PatientIdentity) -> list[str]:
    """What the message says of the patient that the record under the MRN contradicts
    (a field not sent contradicts nothing); shared by results and orders in."""
    out = []
    if sent.family_name and _fold(sent.family_name) != _fold(patient.family_name):
        out.append("family name (PID-5.1)")
    given = sent.given_name.split()
    if given and _fold(given[0]) != _fold((patient.given_name.split() or [""])[0]):
        out.append("given name (PID-5.2)")
    if sent.birth_date is not None and sent.birth_date != patient.birth_date:
        out.append("date of birth (PID-7)")
    if sent.sex in _SEX and patient.sex.value in _SEX.values():
        if _SEX[sent.sex] != patient.sex.value:
            out.append("sex (PID-8)")
    return out


def _patient_case(uow: UnitOfWork, cbc: CbcImport, case_id: int | None) -> int:
    """The case to file on, after checking that the message names its patient."""
    patient = uow.patients.by_mrn(cbc.patient_mrn)
    if patient is None:
        raise InvalidMessage("PID-3: no patient is registered under this MRN", code="204")
    wrong = identity_disagreements(patient, cbc.identity or PatientIdentity())
    if wrong:
        # the names are not echoed: the ACK may travel through logs of other systems
        raise InvalidMessage(
            "PID: " + ", ".join(wrong) + " disagree with the patient registered under "
            "this MRN; nothing was filed",
            code="204",
        )
    if case_id is not None:
        case = uow.cases.get(case_id)
        if case is None:
            raise InvalidMessage(f"no case {case_id}", code="204")
        if case.patient_id != patient.id:
            raise InvalidMessage(
                f"the message is for patient {cbc.patient_mrn}, not the patient of case {case_id}",
                code="204",
            )
        return case_id
    open_cases = [c for c in uow.cases.for_patient(patient.id) if c.status is CaseStatus.OPEN]
    if not open_cases:
        raise InvalidMessage("PID-3: the patient has no open case", code="204")
    return max(open_cases, key=lambda c: (c.opened_at, c.id)).id


def _file(
    uow: UnitOfWork, actor: Actor, target: int, cbc: CbcImport, prior: LoggedMessage | None
) -> tuple[CbcOutcome, int]:
    status = "preliminary" if cbc.status == "preliminary" else "final"
    if prior is not None and prior.case_id == target:
        current = uow.pathway.get_record(prior.record_id)
        if current is not None and current.is_current:
            record = correct_record(
                uow,
                actor,
                prior.record_id,
                {
                    "collected_at": cbc.collected_at,
                    "measurements": cbc.measurements,
                    "laboratory": cbc.laboratory,
                    "status": status,
                    "comparators": cbc.comparators,
                },
                reason=f"HL7 {cbc.status} result (message {cbc.message_id}) replaces "
                f"the {prior.status} one (message {prior.control_id})",
            )
            return cbc_outcome(uow, actor, record), record.id
    outcome = record_cbc(
        uow,
        actor,
        target,
        collected_at=cbc.collected_at,
        measurements=cbc.measurements,
        laboratory=cbc.laboratory,
        status=status,
        comparators=cbc.comparators,
    )
    return outcome, outcome.record.id


def as_message_error(error: Exception) -> InvalidMessage:
    """Each refusal with its HL7 error code (table 0357); 207 only for internal errors."""
    if isinstance(error, InvalidMessage):
        return error
    if isinstance(error, NotFound):
        return InvalidMessage(str(error), code="204")
    if isinstance(error, NotAllowed):
        return InvalidMessage(str(error), code="206")  # e.g. the case is closed
    if isinstance(error, InvalidInput):
        return InvalidMessage(str(error), code="102")  # a value refused by the domain
    if isinstance(error, MarrowscopeError):
        return InvalidMessage(str(error), code="207")
    return InvalidMessage("internal error; the message was not filed", code="207")


def file_hl7_cbc(
    uow: UnitOfWork,
    message: str | bytes,
    *,
    actor: Actor = HL7_INTERFACE,
    case_id: int | None = None,
    rules: hl7v2.InboundRules | None = None,
    messages: Callable[[Any], MessageLog] | None = None,
    precheck: Callable[[str], None] | None = None,
) -> HL7Import:
    """Read an ORU^R01 CBC and file it once, on its patient's case; always an ACK."""
    control = f"ACK-{uuid.uuid4().hex[:12]}"
    log = uow.bind(messages or default_log())
    try:
        text = hl7v2.decode(message)
        if precheck is not None:
            precheck(text)
        cbc = hl7v2.read_cbc_oru(text, rules)
        earlier = log.find(cbc.sender, cbc.message_id)
        digest = message_digest(text)
        if earlier is not None and earlier.digest and earlier.digest != digest:
            # a reused control id with other content: acknowledging it as a repeat would
            # lose the second result without anyone knowing
            raise InvalidMessage(
                f"MSH-10 {cbc.message_id} was used before for a different message; nothing "
                "was filed; send each message with its own control id",
                code="205",
            )
        if earlier is not None:
            return HL7Import(
                ack=hl7v2.ack(message, control_id=control, at=uow.now()),
                accepted=True,
                case_id=earlier.case_id,
                duplicate=True,
            )
        target = _patient_case(uow, cbc, case_id)
        prior = log.latest_for_order(cbc.sender, cbc.order_id) if cbc.order_id else None
        outcome, record_id = _file(uow, actor, target, cbc, prior)
        # the use case above committed the count; the log row follows in its own commit
        log.add(
            LoggedMessage(
                cbc.sender,
                cbc.message_id,
                "ORU^R01",
                cbc.order_id,
                cbc.status,
                target,
                record_id,
                uow.now(),
                digest=digest,
            )
        )
        uow.commit()
    except Exception as error:  # noqa: BLE001 - a sender must always get an ACK
        uow.rollback()
        refused = as_message_error(error)
        return HL7Import(
            ack=hl7v2.ack(message, control_id=control, at=uow.now(), error=refused),
            accepted=False,
            case_id=case_id,
            error=str(refused),
        )
    return HL7Import(
        ack=hl7v2.ack(message, control_id=control, at=uow.now()),
        accepted=True,
        case_id=target,
        outcome=outcome,
    )
