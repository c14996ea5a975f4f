"""SQL repositories for patients and cases (SQLAlchemy Core on a Session); the audit log's
repository lives in ``audit_tables`` and is re-exported here.

Rows are turned into the domain's frozen dataclasses at this boundary, so nothing
above ``db`` ever holds a SQLAlchemy object.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marrowscope.db.audit_tables import SqlAuditRepository
from marrowscope.db.core_tables import exam_case, patient
from marrowscope.domain.cases.model import Case, CaseStatus, NewPatient, Patient, Sex
from marrowscope.domain.errors import Conflict

__all__ = ["SqlAuditRepository", "SqlCaseRepository", "SqlPatientRepository"]


def _patient(row: Any) -> Patient:
    return Patient(
        id=row.id,
        mrn=row.mrn,
        family_name=row.family_name,
        given_name=row.given_name,
        birth_date=row.birth_date,
        sex=Sex(row.sex),
        phone=row.phone or "",
    )


def _case(row: Any) -> Case:
    return Case(
        id=row.id,
        patient_id=row.patient_id,
        opened_at=row.opened_at,
        opened_by=row.opened_by,
        status=CaseStatus(row.status),
        reason_closed=row.reason_closed,
        ward=row.ward,
    )


class SqlPatientRepository:
    """Patients in the ``patient`` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, new: NewPatient, *, at: datetime) -> Patient:
        if self.by_mrn(new.mrn) is not None:
            raise Conflict(f"mrn {new.mrn!r} is already registered")
        try:
            with self._session.begin_nested():
                new_id = self._session.execute(
                    insert(patient)
                    .values(
                        mrn=new.mrn,
                        family_name=new.family_name,
                        given_name=new.given_name,
                        birth_date=new.birth_date,
                        sex=new.sex.value,
                        created_at=at,
                        phone=new.phone,
                    )
                    .returning(patient.c.id)
                ).scalar_one()
        except IntegrityError as error:  # a concurrent writer took the same MRN
            raise Conflict(f"mrn {new.mrn!r} is already registered") from error
        return Patient(
            new_id, new.mrn, new.family_name, new.given_name, new.birth_date, new.sex, new.phone
        )

    def get(self, patient_id: int) -> Patient | None:
        row = self._session.execute(select(patient).where(patient.c.id == patient_id)).first()
        return None if row is None else _patient(row)

    def by_mrn(self, mrn: str) -> Patient | None:
        row = self._session.execute(select(patient).where(patient.c.mrn == mrn)).first()
        return None if row is None else _patient(row)

    def search(self, text: str = "", *, limit: int = 50) -> Sequence[Patient]:
        query = select(patient).order_by(patient.c.family_name, patient.c.id).limit(limit)
        if text.strip():
            like = f"%{text.strip().lower()}%"
            query = query.where(
                or_(
                    patient.c.mrn.ilike(like),
                    patient.c.family_name.ilike(like),
                    patient.c.given_name.ilike(like),
                )
            )
        return [_patient(r) for r in self._session.execute(query)]

    def update(self, updated: Patient) -> None:
        self._session.execute(
            update(patient)
            .where(patient.c.id == updated.id)
            .values(
                family_name=updated.family_name,
                given_name=updated.given_name,
                birth_date=updated.birth_date,
                sex=updated.sex.value,
                phone=updated.phone,
            )
        )


class SqlCaseRepository:
    """Examination episodes in the ``exam_case`` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, patient_id: int, *, opened_at: datetime, opened_by: str, ward: str) -> Case:
        new_id = self._session.execute(
            insert(exam_case)
            .values(
                patient_id=patient_id,
                opened_at=opened_at,
                opened_by=opened_by,
                status=CaseStatus.OPEN.value,
                reason_closed="",
                ward=ward,
            )
            .returning(exam_case.c.id)
        ).scalar_one()
        return Case(new_id, patient_id, opened_at, opened_by, CaseStatus.OPEN, ward=ward)

    def get(self, case_id: int) -> Case | None:
        row = self._session.execute(select(exam_case).where(exam_case.c.id == case_id)).first()
        return None if row is None else _case(row)

    def for_patient(self, patient_id: int) -> Sequence[Case]:
        query = (
            select(exam_case)
            .where(exam_case.c.patient_id == patient_id)
            .order_by(exam_case.c.opened_at, exam_case.c.id)
        )
        return [_case(r) for r in self._session.execute(query)]

    def list(
        self,
        *,
        status: CaseStatus | None = None,
        limit: int = 200,
        wards: Collection[str] | None = None,
        or_ids: Collection[int] = (),
    ) -> Sequence[Case]:
        query = select(exam_case).order_by(exam_case.c.opened_at.desc(), exam_case.c.id.desc())
        if status is not None:
            query = query.where(exam_case.c.status == status.value)
        if wards is not None:  # in the database, so the limit counts only visible cases
            query = query.where(
                or_(exam_case.c.ward.in_(list(wards)), exam_case.c.id.in_(list(or_ids)))
            )
        return [_case(r) for r in self._session.execute(query.limit(limit))]

    def set_status(self, case_id: int, status: CaseStatus, reason: str = "") -> None:
        self._session.execute(
            update(exam_case)
            .where(exam_case.c.id == case_id)
            .values(status=status.value, reason_closed=reason)
        )
