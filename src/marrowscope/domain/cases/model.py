"""The patient and the examination episode (case) that the whole pathway hangs on.

A case is one bone marrow examination of one patient, from the blood count that
prompted it to the last follow-up call; every clinical record (CBC, order,
assessment, procedure, specimens, results, aftercare) belongs to exactly one case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from marrowscope.domain.errors import InvalidInput

__all__ = [
    "Case",
    "CaseStatus",
    "NewPatient",
    "Patient",
    "Sex",
    "age_in_years",
    "clean_mrn",
    "clean_phone",
]


class Sex(StrEnum):
    """Sex as recorded for reference intervals (Hb, RBC, Hct differ by sex)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class CaseStatus(StrEnum):
    """Whether the episode is still being worked on."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class NewPatient:
    """What is needed to register a patient."""

    mrn: str
    family_name: str
    given_name: str
    birth_date: date
    sex: Sex
    phone: str = ""  # optional: the number the care team rings back on


@dataclass(frozen=True, slots=True)
class Patient:
    """A registered patient; ``mrn`` (medical record number) is unique."""

    id: int
    mrn: str
    family_name: str
    given_name: str
    birth_date: date
    sex: Sex
    phone: str = ""

    @property
    def display_name(self) -> str:
        """Name as printed on labels and reports: FAMILY, Given."""
        return f"{self.family_name.upper()}, {self.given_name}"

    def age_on(self, day: date) -> int:
        """Completed years of age on ``day``."""
        return age_in_years(self.birth_date, day)


@dataclass(frozen=True, slots=True)
class Case:
    """One bone marrow examination episode of one patient."""

    id: int
    patient_id: int
    opened_at: datetime
    opened_by: str
    status: CaseStatus
    reason_closed: str = ""
    # the ordering ward: whose clinical staff see the case (``domain.cases.access``)
    ward: str = ""


def age_in_years(birth_date: date, day: date) -> int:
    """Completed years between ``birth_date`` and ``day``; refuses a birth in the future."""
    if birth_date > day:
        raise InvalidInput("birth_date: lies after the date it is compared with")
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def clean_mrn(mrn: str) -> str:
    """A medical record number stripped and checked: 1-32 letters, digits or '-'."""
    cleaned = mrn.strip().upper()
    if not cleaned or len(cleaned) > 32 or not all(c.isalnum() or c == "-" for c in cleaned):
        raise InvalidInput("mrn: 1-32 letters, digits or '-'")
    return cleaned


def clean_phone(phone: str) -> str:
    """An optional telephone number, checked so the team can dial it: '' or 6-15 digits
    with spaces, '+', '-', '(' or ')' between them (E.164 allows at most 15 digits)."""
    cleaned = " ".join(phone.split())
    if not cleaned:
        return ""
    digits = sum(c.isdigit() for c in cleaned)
    allowed = all(c.isdigit() or c in " +-()" for c in cleaned)
    if not allowed or not 6 <= digits <= 15 or "+" in cleaned[1:]:
        raise InvalidInput("phone: digits, spaces and a leading '+' only, e.g. 07700 900123")
    return cleaned
