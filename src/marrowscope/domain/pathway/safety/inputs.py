"""Times a checklist cannot hold, refused before any rule runs.

A last dose after the planned procedure, or before the patient was born, a blood sample
taken in the future: each would give a finding computed from a typing error (a hold
"met" by minus three hours). Refused with the field's name first, so the form shows the
message beside the field, and before anything is stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway.safety.model import Assessment, Plan
from marrowscope.domain.tables import load_table

__all__ = ["refuse_impossible"]

_SKEW = timedelta(minutes=load_table("safety")["plausible"]["clock_skew_minutes"])


def _text(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M %Z").strip()


def refuse_impossible(a: Assessment, plan: Plan, born: date | None = None) -> None:
    """Raise ``InvalidInput`` naming the first impossible time of ``a`` for ``plan``;
    ``born``: the patient's birth date, where known."""
    for n, med in enumerate(a.medications):
        at = med.last_dose_at
        if at is None:
            continue
        if at > plan.planned_at:
            raise InvalidInput(
                f"last_dose_{n}: the last dose of {med.drug} ({_text(at)}) is after the planned "
                f"procedure ({_text(plan.planned_at)}); give the dose before it"
            )
        if born is not None and at.date() < born:
            raise InvalidInput(
                f"last_dose_{n}: the last dose of {med.drug} ({_text(at)}) is before the "
                f"patient was born ({born.isoformat()})"
            )
    for field, at in (("platelets_at", a.platelets_at), ("inr_at", a.inr_at)):
        if at is None:
            continue
        if at > a.assessed_at + _SKEW:
            raise InvalidInput(
                f"{field}: the sample time {_text(at)} is in the future (assessed "
                f"{_text(a.assessed_at)})"
            )
        if born is not None and at.date() < born:
            raise InvalidInput(
                f"{field}: the sample time {_text(at)} is before the patient was born "
                f"({born.isoformat()})"
            )
    for field, at in (
        ("last_solids_at", a.last_solids_at),
        ("last_clear_fluids_at", a.last_clear_fluids_at),
    ):
        if at is not None and at > plan.planned_at:
            raise InvalidInput(
                f"{field}: {_text(at)} is after the planned procedure ({_text(plan.planned_at)})"
            )
