"""Use cases for patients and examination cases: register, correct, open, close.

Each call is one unit of work: checked, written, audited and committed together, or
not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.access import clean_unit, may_see, visible_wards
from marrowscope.domain.cases.model import (
    Case,
    CaseStatus,
    NewPatient,
    Patient,
    Sex,
    age_in_years,
    clean_mrn,
    clean_phone,
)
from marrowscope.domain.errors import InvalidInput, NotAllowed, NotFound, PermissionDenied
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.audit import record_audit
from marrowscope.services.cases.access import case_access
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = [
    "close_case",
    "get_case",
    "get_patient",
    "list_cases",
    "open_case",
    "register_patient",
    "require_staff",
    "search_patients",
]

_REGISTRARS = frozenset({Role.CLINICIAN, Role.PROCEDURALIST, Role.NURSE, Role.ADMIN})


def require_staff(actor: Actor, allowed: frozenset[Role] | None = None) -> None:
    """Refuse a patient (or a role outside ``allowed``) before any clinical write or read."""
    if not actor.is_staff or (allowed is not None and actor.role not in allowed):
        raise PermissionDenied(f"the {actor.role.value} role may not do this")


def _patient_fields(p: Patient | NewPatient) -> dict[str, object]:
    fields: dict[str, object] = {
        "mrn": p.mrn,
        "family_name": p.family_name,
        "given_name": p.given_name,
        "birth_date": p.birth_date,
        "sex": p.sex,
    }
    if p.phone:  # optional; audited only when given
        fields["phone"] = p.phone
    return fields


@transactional
def register_patient(
    uow: UnitOfWork,
    actor: Actor,
    *,
    mrn: str,
    family_name: str,
    given_name: str,
    birth_date: date,
    sex: Sex | str,
    phone: str = "",
) -> Patient:
    """Register a patient; a second patient with the same MRN is a ``Conflict``.

    ``phone`` is optional: the number the care team rings back when a check-in escalates.
    """
    require_staff(actor, _REGISTRARS)
    if not family_name.strip():
        raise InvalidInput("family_name: required")
    try:
        sex_value = Sex(sex)
    except ValueError as error:
        raise InvalidInput(f"sex: one of {', '.join(s.value for s in Sex)}") from error
    age_in_years(birth_date, uow.now().date())  # refuses a birth date in the future
    new = NewPatient(
        clean_mrn(mrn),
        family_name.strip(),
        given_name.strip(),
        birth_date,
        sex_value,
        clean_phone(phone),
    )
    patient = uow.patients.add(new, at=uow.now())
    record_audit(uow, actor, "patient", patient.id, AuditAction.CREATE, None, _patient_fields(new))
    uow.commit()
    return patient


def get_patient(uow: UnitOfWork, actor: Actor, patient_id: int) -> Patient:
    """A patient; a patient user may only see their own record, staff only a patient of
    a case they may open (or one with no case yet, still being registered)."""
    if not actor.is_staff and actor.patient_id != patient_id:
        raise NotFound(f"no patient {patient_id}")
    patient = uow.patients.get(patient_id)
    if patient is None:
        raise NotFound(f"no patient {patient_id}")
    if actor.is_staff and not _patient_in_scope(uow, actor, patient_id):
        raise PermissionDenied(
            f"patient {patient_id} is another ward's or laboratory's; open one of their "
            "cases by break-glass if you must"
        )
    return patient


def _patient_in_scope(uow: UnitOfWork, actor: Actor, patient_id: int) -> bool:
    """Whether staff may see this patient: no case yet, or a case they may open."""
    if visible_wards(actor, uow.access.policy) is None:
        return True
    their_cases = uow.cases.for_patient(patient_id)
    if not their_cases:
        return True
    granted = {g.case_id for g in uow.access.live_grants(actor.username, uow.now())}
    policy = uow.access.policy
    return any(may_see(actor, c, policy) or c.id in granted for c in their_cases)


def search_patients(uow: UnitOfWork, actor: Actor, text: str = "") -> Sequence[Patient]:
    """Patients whose MRN or name contains ``text`` (staff only), of the wards or
    laboratory the person may see (``_patient_in_scope``)."""
    require_staff(actor)
    found = uow.patients.search(text)
    return [p for p in found if _patient_in_scope(uow, actor, p.id)]


@transactional
def open_case(uow: UnitOfWork, actor: Actor, patient_id: int, *, ward: str = "") -> Case:
    """Open a new examination episode for a registered patient.

    The case belongs to ``ward`` (the ordering ward); else to the opener's ward (the
    first of their units, by name), so the person who opens it can go on with it; else
    (a command, an interface) to the installation's default ward.
    """
    require_staff(actor, _REGISTRARS)
    if uow.patients.get(patient_id) is None:
        raise NotFound(f"no patient {patient_id}")
    owner = clean_unit(ward) if ward.strip() else _opener_ward(uow, actor)
    case = uow.cases.add(patient_id, opened_at=uow.now(), opened_by=actor.username, ward=owner)
    record_audit(
        uow,
        actor,
        "case",
        case.id,
        AuditAction.CREATE,
        None,
        {"patient_id": patient_id, "status": case.status, "ward": owner},
        case_id=case.id,
    )
    uow.commit()
    return case


def _opener_ward(uow: UnitOfWork, actor: Actor) -> str:
    policy = uow.access.policy
    if actor.units:
        wards = sorted(u for u in actor.units if u != policy.lab_unit)
        if wards:
            return wards[0]
    return policy.default_ward


def get_case(uow: UnitOfWork, actor: Actor, case_id: int) -> Case:
    """A case; a patient user may only see cases of their own record, staff only those
    of their wards or laboratory, or one opened to them by break-glass (``OutOfScope``
    otherwise: ``services.cases.access``)."""
    case = uow.cases.get(case_id)
    if case is None or (not actor.is_staff and actor.patient_id != case.patient_id):
        raise NotFound(f"no case {case_id}")
    if actor.is_staff:
        case_access(uow, actor, case)
    return case


def list_cases(
    uow: UnitOfWork, actor: Actor, *, status: CaseStatus | None = None
) -> Sequence[Case]:
    """Cases, newest first: staff those of their wards or laboratory and those opened to
    them by break-glass; a patient only their own."""
    if not actor.is_staff:
        if actor.patient_id is None:
            return []
        return uow.cases.for_patient(actor.patient_id)
    wards = visible_wards(actor, uow.access.policy)
    if wards is None:
        return uow.cases.list(status=status)
    granted = {g.case_id for g in uow.access.live_grants(actor.username, uow.now())}
    return uow.cases.list(status=status, wards=wards, or_ids=granted)


@transactional
def close_case(
    uow: UnitOfWork, actor: Actor, case_id: int, status: CaseStatus, reason: str = ""
) -> Case:
    """Close or cancel an open case (a reason is required to cancel)."""
    require_staff(actor, frozenset({Role.CLINICIAN, Role.PROCEDURALIST, Role.ADMIN}))
    case = get_case(uow, actor, case_id)
    if case.status is not CaseStatus.OPEN:
        raise NotAllowed(f"case {case_id} is already {case.status.value}")
    if status == CaseStatus.OPEN:
        raise InvalidInput("status: closed or cancelled")
    if status == CaseStatus.CANCELLED and not reason.strip():
        raise InvalidInput("reason: required to cancel a case")
    uow.cases.set_status(case_id, status, reason.strip())
    record_audit(
        uow,
        actor,
        "case",
        case_id,
        AuditAction.TRANSITION,
        {"status": case.status, "reason_closed": case.reason_closed},
        {"status": status, "reason_closed": reason.strip()},
        case_id=case_id,
    )
    uow.commit()
    return get_case(uow, actor, case_id)
