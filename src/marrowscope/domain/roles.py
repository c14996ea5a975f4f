"""Who acts: the roles of the bone marrow pathway and the acting person.

Every service call takes an ``Actor`` so that the audit log can say who changed
what, and so that rules (a morphologist cannot sign a report; a patient sees only
their own released results) are checked in one place, not only in the web layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Actor", "Role"]


class Role(StrEnum):
    """The roles of the pathway, and the interface account of a hospital system."""

    CLINICIAN = "clinician"
    PROCEDURALIST = "proceduralist"
    NURSE = "nurse"
    LAB_SCIENTIST = "lab_scientist"
    MORPHOLOGIST = "morphologist"
    PATHOLOGIST = "pathologist"
    PATIENT = "patient"
    ADMIN = "admin"
    # runs the laboratory by the month: sees the quality dashboard (turnaround,
    # amendments, critical-value calls, agreement), opens no case and signs nothing
    LAB_MANAGER = "lab_manager"
    # a hospital system (EHR, interface engine) calling the FHIR API; never a person,
    # so it signs nothing and opens no staff page
    INTERFACE = "interface"


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind a change; ``patient_id`` is set only for the patient role.

    ``units`` are the wards and laboratories a signed-in member of staff works in
    (``domain.cases.access``): the cases they may open without break-glass. ``None`` is
    a process of this installation rather than a person at a page (a command run by the
    operator on the server, an interface, the demo walkthrough): it already holds the
    database, so scoping it would protect nothing.
    """

    username: str
    role: Role
    patient_id: int | None = None
    units: frozenset[str] | None = None

    @property
    def is_staff(self) -> bool:
        """Staff see clinical records; a patient sees only their own released results."""
        return self.role is not Role.PATIENT
