"""A blood count in from hospital systems, as FHIR Observations or an HL7 ORU^R01.

Imported counts are written through ``pathway.record_cbc``, so an import is checked,
audited and committed exactly like a count typed in by hand. A message is read
completely before anything is written, and the write is one transaction: a malformed
message never leaves part of itself behind. Kept apart from ``services.interop``
because importing writes and must refuse a count meant for another patient, while
exporting only reads. Re-exported by ``services.interop``, so ``interop.import_hl7_cbc``
keeps working.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from marrowscope.domain.cases.model import CaseStatus
from marrowscope.domain.errors import InvalidMessage
from marrowscope.domain.roles import Actor
from marrowscope.interop import fhir, hl7v2
from marrowscope.interop.codes import CbcImport
from marrowscope.services.cases import CbcOutcome
from marrowscope.services.interop.hl7 import HL7_INTERFACE, HL7Import, file_hl7_cbc
from marrowscope.services.interop.message_log import MessageLog
from marrowscope.services.pathway import record_cbc
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "MAX_FHIR_CHARS",
    "MAX_HL7_CHARS",
    "MAX_HL7_SEGMENTS",
    "import_fhir_cbc",
    "import_hl7_cbc",
]

# Size limits of an incoming blood count, checked before any parser runs. A CBC is some
# 25 OBX segments and a few kilobytes; hl7apy's parse time grows faster than the message
# (5,003 OBX: 18 s), so a message far beyond a CBC is refused before it is parsed; at
# the 200-segment limit one parsed in 0.35 s on the development machine.
MAX_HL7_CHARS = 64 * 1024
MAX_HL7_SEGMENTS = 200
MAX_FHIR_CHARS = 1024 * 1024


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
        if len(data) > MAX_FHIR_CHARS:
            raise InvalidMessage(f"FHIR: larger than {MAX_FHIR_CHARS} characters")
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise InvalidMessage(f"FHIR: not JSON ({error.msg}, line {error.lineno})") from None
        except RecursionError:
            raise InvalidMessage("FHIR: JSON nested too deeply") from None
        except ValueError as error:  # a number of more than 4,300 digits
            raise InvalidMessage(f"FHIR: unreadable JSON value ({error})") from None
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


def _case_for(uow: UnitOfWork, mrn: str) -> int:
    patient = uow.patients.by_mrn(mrn)
    if patient is None:
        raise InvalidMessage(f"PID-3: no patient with MRN {mrn}", code="204")
    open_cases = [c for c in uow.cases.for_patient(patient.id) if c.status is CaseStatus.OPEN]
    if not open_cases:
        raise InvalidMessage(f"PID-3: patient {mrn} has no open case", code="204")
    return max(open_cases, key=lambda c: (c.opened_at, c.id)).id


def _check_hl7_size(text: str) -> None:
    """Refuse (AR) a message too large to be a blood count, before it is parsed."""
    if len(text) > MAX_HL7_CHARS:
        raise InvalidMessage(
            f"HL7: message of {len(text)} characters; at most {MAX_HL7_CHARS} are read",
            reject=True,
            code="100",
        )
    segments = sum(1 for line in text.replace("\n", "\r").split("\r") if line.strip())
    if segments > MAX_HL7_SEGMENTS:
        raise InvalidMessage(
            f"HL7: message of {segments} segments; at most {MAX_HL7_SEGMENTS} are read",
            reject=True,
            code="100",
        )


def import_hl7_cbc(
    uow: UnitOfWork,
    text: str | bytes,
    *,
    actor: Actor = HL7_INTERFACE,
    case_id: int | None = None,
    rules: hl7v2.InboundRules | None = None,
    messages: Callable[[Any], MessageLog] | None = None,
) -> HL7Import:
    """Read an ORU^R01 CBC and file it on the patient's open case; always answers an ACK.

    The case is ``case_id`` when given (its patient must match PID-3), else the newest
    open case of the patient named in PID-3; the checks (identity, duplicates, superseding
    a preliminary or corrected result) are ``services.interop.file_hl7_cbc``. Any
    refusal rolls the unit back and answers AE (content refused) or AR (message not
    taken) with the reason in MSA-3 and ERR-8.
    """
    return file_hl7_cbc(
        uow,
        text,
        actor=actor,
        case_id=case_id,
        rules=rules,
        messages=messages,
        precheck=_check_hl7_size,
    )
