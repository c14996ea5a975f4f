"""Reading the nursing checklist and procedure forms back: every field read, every
refusal kept beside its own field and all of them returned at once.

Nothing typed is dropped: a vital-sign row with a value but no time or no sign is
refused beside the missing part, not discarded, and not given the start time instead.
Nothing is assumed either: no operator, procedure time, planned time or pregnancy answer
is filled in for the person. Times are wall-clock time in the lab's zone (``zone``),
read by ``web.forms.as_datetime``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

from starlette.datastructures import FormData

from marrowscope.domain.display_names import label_of
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway.procedure import (
    Complication,
    ProcedureRecord,
    Side,
    Site,
    is_full_name,
)
from marrowscope.domain.pathway.safety import ConsentBy, Plan, Pregnancy, Sedation
from marrowscope.domain.pathway.vitals import SIGNS, VitalSign, make_vital
from marrowscope.web.form_state import Refusals
from marrowscope.web.forms import as_datetime, as_float, as_int
from marrowscope.web.pathway.ward_forms import MAX_VITAL_ROWS, MEDICATION_ROWS

__all__ = ["plan_and_fields", "procedure_from", "text_of"]

_E = TypeVar("_E", bound=StrEnum)
_NO_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # only to check a value whose time is refused


def text_of(form: FormData, name: str) -> str:
    """A field's text, trimmed; "" when absent or a file."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _listed(text: str) -> tuple[str, ...]:
    """A comma-separated field as its items."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _choice(kind: type[_E], field: str, text: str) -> _E:
    """A select's value as its enum, refused in words that name the field."""
    try:
        return kind(text)
    except ValueError:
        known = ", ".join(label_of(v).lower() for v in kind)
        raise InvalidInput(f"{field}: choose one of {known}") from None


class _Reader:
    """One form's fields, each read through ``Refusals`` so that every bad one is kept."""

    def __init__(self, form: FormData, zone: str) -> None:
        self.form, self.zone, self.refusals = form, zone, Refusals()

    def text(self, name: str) -> str:
        return text_of(self.form, name)

    def time(self, name: str, required: bool = False) -> datetime | None:
        return self.refusals.read(
            name, lambda: as_datetime(name, self.text(name), required=required, zone=self.zone)
        )

    def iso(self, name: str) -> str | None:
        value = self.time(name)
        return value.isoformat() if value else None

    def number(self, name: str) -> float | None:
        return self.refusals.read(name, lambda: as_float(name, self.text(name)))

    def choice(self, kind: type[_E], name: str, default: str = "") -> _E | None:
        return self.refusals.read(name, lambda: _choice(kind, name, self.text(name) or default))


def plan_and_fields(
    form: FormData, zone: str, *, pregnancy_asked: bool = False, now: datetime | None = None
) -> tuple[Plan, dict[str, Any]]:
    """The plan and the assessment fields (as ``record_assessment`` takes them) of a form.

    ``pregnancy_asked``: the patient is one whose pregnancy must be asked, so an empty
    answer is refused here, beside the other refusals (the service refuses it as well).
    ``now``: the live preview's stand-in for a planned time not typed yet; saving has
    none, so an empty planned time is refused.
    """
    r = _Reader(form, zone)
    planned = r.time("planned_at", required=now is None) or now
    sedation = r.choice(Sedation, "sedation", "local")
    if pregnancy_asked and not r.text("pregnancy"):
        r.refusals.add("pregnancy", "ask, and choose pregnant, not pregnant or unknown")
    pregnancy = r.choice(Pregnancy, "pregnancy", "not_applicable")
    consent = r.choice(ConsentBy, "consent_by", "none")  # not chosen yet: a stop finding
    medications = []
    for n in range(MEDICATION_ROWS):
        drug, last = r.text(f"drug_{n}"), r.iso(f"last_dose_{n}")
        if drug:
            medications.append({"drug": drug, "last_dose_at": last})
        elif last:
            r.refusals.add(f"drug_{n}", "choose the drug this last dose was of")
    driver = r.text("driver_home")
    fields: dict[str, Any] = {
        "allergies": list(_listed(r.text("allergies"))),
        "bleeding_disorder": r.text("bleeding_disorder"),
        "platelets_per_nl": r.number("platelets_per_nl"),
        "platelets_at": r.iso("platelets_at"),
        "inr": r.number("inr"),
        "inr_at": r.iso("inr_at"),
        "creatinine_clearance_ml_min": r.number("creatinine_clearance_ml_min"),
        "medications": medications,
        "other_medications": list(_listed(r.text("other_medications"))),
        "last_solids_at": r.iso("last_solids_at"),
        "last_clear_fluids_at": r.iso("last_clear_fluids_at"),
        "driver_home": {"yes": True, "no": False}.get(driver),
        "consent_signed_by": r.text("consent_signed_by"),
        "notes": r.text("notes"),
    }
    for agent, what in (("local_anaesthetic", "local anaesthetic"), ("antiseptic", "antiseptic")):
        if not r.text(agent):
            r.refusals.add(agent, f"name the {what} that will be used: its allergy check needs it")
    r.refusals.raise_any()
    if planned is None or sedation is None or pregnancy is None or consent is None:
        raise InvalidInput("checklist: a required answer is missing")  # refused above
    fields["pregnancy"], fields["consent_by"] = pregnancy.value, consent.value
    plan = Plan(
        planned_at=planned,
        sedation=sedation,
        local_anaesthetic=r.text("local_anaesthetic"),
        antiseptic=r.text("antiseptic"),
        sedatives=_listed(r.text("sedatives")),  # the agents, checked for allergy
        latex_free=r.text("latex_free") == "yes",
    )
    return plan, fields


def _vitals(r: _Reader) -> tuple[VitalSign, ...]:
    """Every row with anything typed: stored whole, or refused beside what it lacks."""
    out = []
    for n in range(MAX_VITAL_ROWS):
        at_name, sign_name, value_name = f"vital_at_{n}", f"vital_sign_{n}", f"vital_value_{n}"
        typed = [r.text(at_name), r.text(sign_name), r.text(value_name)]
        if not any(typed):
            continue
        at, value, sign = r.time(at_name), r.number(value_name), typed[1]
        if not typed[0]:
            r.refusals.add(at_name, "give the time this vital sign was taken")
        if not sign:
            r.refusals.add(value_name, "choose which vital sign this value is")
        elif sign not in SIGNS:
            r.refusals.add(value_name, f"unknown vital sign {sign!r}")
        elif not typed[2]:
            r.refusals.add(value_name, f"give the {label_of(sign).lower()} value")
        if value is None or sign not in SIGNS:
            continue
        try:  # the value is checked even when its time is missing: both are shown at once
            vital = make_vital(at or _NO_TIME, sign, value)
        except InvalidInput as error:  # named by its row, so the page can point at it
            r.refusals.add(value_name, str(error))
            continue
        if at is not None:
            out.append(vital)
    return tuple(out)


def procedure_from(form: FormData, zone: str) -> ProcedureRecord:
    """The procedure record of the form; every refusal names its field, all at once."""
    r = _Reader(form, zone)
    operator = r.text("operator")
    if not is_full_name(operator):
        r.refusals.add("operator", "give the operator's full name (given and family name)")
    times = {
        name: r.time(name, required)
        for name, required in (
            ("time_out_at", True),
            ("started_at", True),
            ("aspirate_at", False),
            ("biopsy_at", False),
            ("ended_at", True),
        )
    }
    site, side = r.choice(Site, "site"), r.choice(Side, "side")
    sedation = r.choice(Sedation, "sedation", "local")
    core = r.number("core_length_mm")
    minutes = r.refusals.read(
        "observation_minutes", lambda: as_int("observation_minutes", r.text("observation_minutes"))
    )
    complications = [
        r.refusals.read("complications", partial(_choice, Complication, "complications", str(c)))
        for c in form.getlist("complications")
    ]
    vitals = _vitals(r)
    r.refusals.raise_any()
    if site is None or side is None or sedation is None:
        raise InvalidInput("procedure: a required answer is missing")  # refused above
    try:
        return ProcedureRecord(
            operator=operator,
            assistant=r.text("assistant"),
            site=site,
            side=side,
            sedation=sedation,
            time_out_at=_known(times["time_out_at"]),
            started_at=_known(times["started_at"]),
            ended_at=_known(times["ended_at"]),
            aspirate_at=times["aspirate_at"],
            dry_tap=r.text("dry_tap") == "yes",
            biopsy_at=times["biopsy_at"],
            core_length_mm=core,
            vitals=vitals,
            complications=tuple(c for c in complications if c is not None),
            complication_notes=r.text("complication_notes"),
            observation_minutes=minutes or 0,
            notes=r.text("notes"),
        )
    except ValueError as error:
        raise InvalidInput(f"procedure: {error}") from None


def _known(value: datetime | None) -> datetime:
    if value is None:  # a required time was refused above, before this is reached
        raise InvalidInput("a required time is missing")
    return value
