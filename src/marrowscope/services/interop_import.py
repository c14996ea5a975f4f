"""A blood count in from hospital systems, as FHIR Observations or an HL7 ORU^R01.

Imported counts are written through ``pathway.record_cbc``, so an import is checked,
audited and committed exactly like a count typed in by hand. A message is read
completely before anything is written, and the write is one transaction: a malformed
message never leaves part of itself behind. Kept apart from ``services.interop_export``
because importing writes and must refuse a count meant for another patient, while
exporting only reads. Re-exported by ``services.interop``, so ``interop.import_hl7_cbc``
keeps working.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marrowscope.domain.case import CaseStatus
from marrowscope.domain.errors import InvalidMessage, MarrowscopeError, NotFound
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop import fhir, hl7v2
from marrowscope.interop.codes import CbcImport
from marrowscope.services.case_views import CbcOutcome
from marrowscope.services.pathway import record_cbc
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["HL7_INTERFACE", "HL7Import", "import_fhir_cbc", "import_hl7_cbc"]

# The identity an interface engine writes under (a CBC is clinical data: clinician rights).
HL7_INTERFACE = Actor("hl7-interface", Role.CLINICIAN)


def _check_patient(uow: UnitOfWork, case_id: int, mrn: str) -> None:
    """A count sent for another patient than the case's is refused, never filed."""
    if not mrn:
        return
    case = uow.cases.get(case_id)
    patient = uow.patients.get(case.patient_id) if case is not None else None
    if patient is not None and patient.mrn != mrn:
        raise InvalidMessage(
            f"the message is for patient {mrn}, not the patient of case {case_id}", code="204"
        )


def import_fhir_cbc(
    uow: UnitOfWork, actor: Actor, case_id: int, data: Mapping[str, Any] | str
) -> CbcOutcome:
    """Record the CBC Observations of a FHIR Bundle (or Observation) on a case."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise InvalidMessage(f"FHIR: not JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(data, Mapping):
        raise InvalidMessage("FHIR: expected a JSON object (a Bundle or an Observation)")
    cbc = fhir.cbc_from_fhir(data)
    _check_patient(uow, case_id, fhir.patient_mrn(data))
    return _record(uow, actor, case_id, cbc)


def _record(uow: UnitOfWork, actor: Actor, case_id: int, cbc: CbcImport) -> CbcOutcome:
    return record_cbc(
        uow,
        actor,
        case_id,
        collected_at=cbc.collected_at,
        measurements=cbc.measurements,
        laboratory=cbc.laboratory,
    )


@dataclass(frozen=True, slots=True)
class HL7Import:
    """What an HL7 import did: the ACK to send back, and the count when one was filed."""

    ack: str
    accepted: bool
    case_id: int | None
    error: str = ""
    outcome: CbcOutcome | None = None


def _case_for(uow: UnitOfWork, mrn: str) -> int:
    patient = uow.patients.by_mrn(mrn)
    if patient is None:
        raise InvalidMessage(f"PID-3: no patient with MRN {mrn}", code="204")
    open_cases = [c for c in uow.cases.for_patient(patient.id) if c.status is CaseStatus.OPEN]
    if not open_cases:
        raise InvalidMessage(f"PID-3: patient {mrn} has no open case", code="204")
    return max(open_cases, key=lambda c: (c.opened_at, c.id)).id


def import_hl7_cbc(
    uow: UnitOfWork,
    text: str,
    *,
    actor: Actor = HL7_INTERFACE,
    case_id: int | None = None,
) -> HL7Import:
    """Read an ORU^R01 CBC and file it on the patient's open case; always answers an ACK.

    The case is ``case_id`` when given (its patient must match PID-3), else the newest
    open case of the patient named in PID-3. Any refusal rolls the unit back and answers
    AE (content refused) or AR (message not taken) with the reason in MSA-3 and ERR-8.
    """
    control = f"ACK-{uuid.uuid4().hex[:12]}"
    try:
        cbc = hl7v2.read_cbc_oru(text)
        target = case_id if case_id is not None else _case_for(uow, cbc.patient_mrn)
        if uow.cases.get(target) is None:
            raise NotFound(f"no case {target}")
        _check_patient(uow, target, cbc.patient_mrn)
        outcome = _record(uow, actor, target, cbc)
    except MarrowscopeError as error:
        uow.rollback()
        return HL7Import(
            ack=hl7v2.ack(text, control_id=control, at=uow.now(), error=error),
            accepted=False,
            case_id=case_id,
            error=str(error),
        )
    return HL7Import(
        ack=hl7v2.ack(text, control_id=control, at=uow.now()),
        accepted=True,
        case_id=target,
        outcome=outcome,
    )
