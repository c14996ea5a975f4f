"""A patient's examinations over time: every case of one patient in the order it was
opened, the examinations before a given one, and a case opened for a patient found by
MRN and date of birth.

A marrow is rarely examined once (diagnosis, after induction, before transplant), so a
patient holds any number of cases; the earlier ones are what a response is measured
against. Finding a patient needs the date of birth as well as the MRN, so that a
mistyped MRN cannot open a case on somebody else's record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from marrowscope.domain.cases.model import Case, CaseStatus, Patient, clean_mrn
from marrowscope.domain.errors import NotFound, OutOfScope
from marrowscope.domain.roles import Actor
from marrowscope.services.cases.access import case_access
from marrowscope.services.cases.patients import get_case, get_patient, open_case, require_staff
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["earlier_cases", "open_next_case", "patient_by_mrn", "patient_cases"]


def patient_cases(uow: UnitOfWork, actor: Actor, patient_id: int) -> Sequence[Case]:
    """Every case of the patient, oldest first (a patient user sees only their own; staff
    those they may open: their wards' or laboratory's, or opened to them by break-glass)."""
    get_patient(uow, actor, patient_id)  # NotFound for anyone else's record
    found = sorted(uow.cases.for_patient(patient_id), key=lambda c: (c.opened_at, c.id))
    if not actor.is_staff:
        return found
    return [c for c in found if _may_open(uow, actor, c)]


def _may_open(uow: UnitOfWork, actor: Actor, case: Case) -> bool:
    try:
        case_access(uow, actor, case)
    except OutOfScope:
        return False
    return True


def earlier_cases(uow: UnitOfWork, actor: Actor, case_id: int) -> Sequence[Case]:
    """The patient's examinations opened before ``case_id``, oldest first; a cancelled
    case examined nothing and is left out."""
    case = get_case(uow, actor, case_id)
    return [
        c
        for c in patient_cases(uow, actor, case.patient_id)
        if (c.opened_at, c.id) < (case.opened_at, case.id) and c.status is not CaseStatus.CANCELLED
    ]


def patient_by_mrn(uow: UnitOfWork, actor: Actor, mrn: str, birth_date: date) -> Patient:
    """The patient with this MRN and date of birth (staff only); either one wrong is
    ``NotFound`` with the same words, so the answer never confirms an MRN alone."""
    require_staff(actor)
    patient = uow.patients.by_mrn(clean_mrn(mrn))
    if patient is None or patient.birth_date != birth_date:
        raise NotFound("mrn: no patient with this MRN and date of birth")
    return patient


def open_next_case(uow: UnitOfWork, actor: Actor, mrn: str, birth_date: date) -> Case:
    """Open another examination for a registered patient found by MRN and birth date."""
    patient = patient_by_mrn(uow, actor, mrn, birth_date)
    return open_case(uow, actor, patient.id)
