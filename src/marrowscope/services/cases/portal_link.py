"""Which patient a portal account belongs to, found by what the patient can show.

An admin linking a portal account works from the patient's MRN and date of birth, as
on a wristband or a letter, never from an internal record number: a mistyped number
would silently hand one patient's results to another. Both must match the same
patient; the refusal does not say which of the two did not, so the form cannot be used
to learn whether an MRN exists.
"""

from __future__ import annotations

from datetime import date

from marrowscope.domain.errors import InvalidInput, NotFound
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.cases.history import patient_by_mrn
from marrowscope.services.cases.patients import require_staff
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["patient_for_portal"]


def patient_for_portal(uow: UnitOfWork, actor: Actor, mrn: str, birth_date: date) -> int:
    """The record number of the patient with this MRN and date of birth (admin only)."""
    require_staff(actor, frozenset({Role.ADMIN}))
    try:
        patient = patient_by_mrn(uow, actor, mrn, birth_date)
    except NotFound:  # a value the admin can correct on the form: said beside the field
        raise InvalidInput(
            "patient_mrn: no patient has this MRN with this date of birth; check both "
            "against the patient's record"
        ) from None
    except InvalidInput as error:  # a malformed MRN
        raise InvalidInput(
            f"patient_mrn: {error}".replace("patient_mrn: mrn: ", "patient_mrn: ")
        ) from None
    return patient.id
