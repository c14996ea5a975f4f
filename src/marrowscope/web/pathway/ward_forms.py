"""Reading the nursing checklist and procedure forms, and what they open with: the saved record, or
for a checklist not yet saved, the platelet count (and INR, where the count carries one)
from the case's current blood count.

Opening with the saved values matters beyond convenience: the live findings panel runs
the rules on the form as it stands, so a form that opened blank would show findings the
saved checklist above it contradicts. Times are shown as ``datetime-local`` fields read
them (UTC, see ``web.forms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from starlette.datastructures import FormData

from marrowscope.domain.display_names import label_of, number_text
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway.procedure import Complication, ProcedureRecord, Side, Site
from marrowscope.domain.pathway.records import CaseRecord, RecordKind
from marrowscope.domain.pathway.safety import ConsentBy, Plan, Pregnancy, Sedation
from marrowscope.domain.pathway.vitals import make_vital
from marrowscope.web.form_state import FormValues
from marrowscope.web.forms import as_datetime, as_float, as_int, local_input

__all__ = [
    "MAX_VITAL_ROWS",
    "MEDICATION_ROWS",
    "checklist_values",
    "plan_and_fields",
    "procedure_from",
    "procedure_values",
    "text_of",
]

MEDICATION_ROWS = 3
_E = TypeVar("_E", bound=StrEnum)
MAX_VITAL_ROWS = 48  # a long sedation may log many; the form grows to what is saved


def _time(value: Any) -> str:
    if not value:
        return ""
    try:
        return local_input(datetime.fromisoformat(str(value)))
    except ValueError:
        return ""


def _number(value: Any) -> str:
    return "" if value is None or isinstance(value, bool) else number_text(value)


def _yes_no(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, "")


def _from_cbc(record: CaseRecord, now: datetime) -> FormValues:
    """Platelets (and INR if recorded) of the current blood count, with its time."""
    cbc = record.latest(RecordKind.CBC)
    if cbc is None:
        return {"platelets_at": local_input(now), "inr_at": local_input(now)}
    values: Mapping[str, Any] = cbc.payload.get("values", {})
    taken = _time(cbc.payload.get("collected_at"))
    return {
        "platelets_per_nl": _number(values.get("platelets")),
        "platelets_at": taken,
        "inr": _number(values.get("inr")),
        "inr_at": taken if values.get("inr") is not None else local_input(now),
    }


def checklist_values(record: CaseRecord, now: datetime) -> FormValues:
    """The checklist as saved last, else defaults with the blood count's platelets."""
    saved = record.latest(RecordKind.ASSESSMENT)
    if saved is None:
        return {
            "planned_at": local_input(now + timedelta(hours=1)),
            "local_anaesthetic": "lidocaine",
            "antiseptic": "chlorhexidine",
            **_from_cbc(record, now),
        }
    a: Mapping[str, Any] = saved.payload.get("assessment", {})
    plan: Mapping[str, Any] = saved.payload.get("plan", {})
    values: FormValues = {
        "planned_at": _time(plan.get("planned_at")),
        "sedation": str(plan.get("sedation") or ""),
        "sedatives": ", ".join(plan.get("sedatives") or ()),
        "local_anaesthetic": str(plan.get("local_anaesthetic") or ""),
        "antiseptic": str(plan.get("antiseptic") or ""),
        "allergies": ", ".join(a.get("allergies") or ()),
        "pregnancy": str(a.get("pregnancy") or ""),
        "bleeding_disorder": str(a.get("bleeding_disorder") or ""),
        "platelets_per_nl": _number(a.get("platelets_per_nl")),
        "platelets_at": _time(a.get("platelets_at")),
        "inr": _number(a.get("inr")),
        "inr_at": _time(a.get("inr_at")),
        "creatinine_clearance_ml_min": _number(a.get("creatinine_clearance_ml_min")),
        "other_medications": ", ".join(a.get("other_medications") or ()),
        "last_solids_at": _time(a.get("last_solids_at")),
        "last_clear_fluids_at": _time(a.get("last_clear_fluids_at")),
        "driver_home": _yes_no(a.get("driver_home")),
        "consent_by": str(a.get("consent_by") or ""),
        "consent_signed_by": str(a.get("consent_signed_by") or ""),
        "notes": str(a.get("notes") or ""),
    }
    for n, medication in enumerate(a.get("medications") or ()):
        values[f"drug_{n}"] = str(medication.get("drug") or "")
        values[f"last_dose_{n}"] = _time(medication.get("last_dose_at"))
    return values


def procedure_values(record: CaseRecord, operator: str, now: datetime) -> FormValues:
    """The procedure as saved last, else the operator, now, and the checklist's sedation."""
    saved = record.latest(RecordKind.PROCEDURE)
    if saved is None:
        assessment = record.latest(RecordKind.ASSESSMENT)
        plan = assessment.payload.get("plan", {}) if assessment else {}
        at = local_input(now)
        return {
            "operator": operator,
            "sedation": str(plan.get("sedation") or ""),
            **dict.fromkeys(("time_out_at", "started_at", "aspirate_at", "biopsy_at"), at),
            "ended_at": at,
            "observation_minutes": "30",
            "complications": [],
        }
    p: Mapping[str, Any] = saved.payload.get("procedure", {})
    values: FormValues = {
        "operator": str(p.get("operator") or ""),
        "assistant": str(p.get("assistant") or ""),
        "site": str(p.get("site") or ""),
        "side": str(p.get("side") or ""),
        "sedation": str(p.get("sedation") or ""),
        "dry_tap": _yes_no(p.get("dry_tap")),
        "core_length_mm": _number(p.get("core_length_mm")),
        "complications": [str(c) for c in p.get("complications") or ()],
        "observation_minutes": _number(p.get("observation_minutes")),
        "stop_override_reason": str(saved.payload.get("stop_override_reason") or ""),
        "notes": str(p.get("notes") or ""),
    }
    for name in ("time_out_at", "started_at", "aspirate_at", "biopsy_at", "ended_at"):
        values[name] = _time(p.get(name))
    for n, vital in enumerate(p.get("vitals") or ()):
        values[f"vital_at_{n}"] = _time(vital.get("at"))
        values[f"vital_sign_{n}"] = str(vital.get("sign") or "")
        values[f"vital_value_{n}"] = _number(vital.get("value"))
    return values


def text_of(form: FormData, name: str) -> str:
    """A field's text, trimmed; "" when absent or a file."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _listed(text: str) -> tuple[str, ...]:
    """A comma-separated field as its items."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def plan_and_fields(form: FormData) -> tuple[Plan, dict[str, Any]]:
    """The plan and the assessment fields (as ``record_assessment`` takes them) of a form."""
    planned = as_datetime("planned_at", text_of(form, "planned_at")) or datetime.now(UTC)
    try:
        sedation = Sedation(text_of(form, "sedation") or "local")
        pregnancy = Pregnancy(text_of(form, "pregnancy") or "not_applicable")
        consent = ConsentBy(text_of(form, "consent_by") or "none")
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    plan = Plan(
        planned_at=planned,
        sedation=sedation,
        local_anaesthetic=text_of(form, "local_anaesthetic") or "lidocaine",
        antiseptic=text_of(form, "antiseptic") or "chlorhexidine",
        sedatives=_listed(text_of(form, "sedatives")),  # the agents, checked for allergy
        latex_free=text_of(form, "latex_free") == "yes",
    )
    medications = []
    for n in range(MEDICATION_ROWS):
        drug = text_of(form, f"drug_{n}")
        if drug:
            last = as_datetime(f"last_dose_{n}", text_of(form, f"last_dose_{n}"))
            medications.append({"drug": drug, "last_dose_at": last.isoformat() if last else None})
    driver = text_of(form, "driver_home")

    def iso(name: str) -> str | None:
        value = as_datetime(name, text_of(form, name))
        return value.isoformat() if value else None

    fields: dict[str, Any] = {
        "assessed_at": datetime.now(UTC).isoformat(),
        "allergies": [a.strip() for a in text_of(form, "allergies").split(",") if a.strip()],
        "pregnancy": pregnancy.value,
        "bleeding_disorder": text_of(form, "bleeding_disorder"),
        "platelets_per_nl": as_float("platelets_per_nl", text_of(form, "platelets_per_nl")),
        "platelets_at": iso("platelets_at"),
        "inr": as_float("inr", text_of(form, "inr")),
        "inr_at": iso("inr_at"),
        "creatinine_clearance_ml_min": as_float(
            "creatinine_clearance_ml_min", text_of(form, "creatinine_clearance_ml_min")
        ),
        "medications": medications,
        "other_medications": [
            m.strip() for m in text_of(form, "other_medications").split(",") if m.strip()
        ],
        "last_solids_at": iso("last_solids_at"),
        "last_clear_fluids_at": iso("last_clear_fluids_at"),
        "driver_home": {"yes": True, "no": False}.get(driver),
        "consent_by": consent.value,
        "consent_signed_by": text_of(form, "consent_signed_by"),
        "notes": text_of(form, "notes"),
    }
    return plan, fields


def _choice(kind: type[_E], field: str, text: str) -> _E:
    """A select's value as its enum, refused in words that name the field."""
    try:
        return kind(text)
    except ValueError:
        known = ", ".join(label_of(v).lower() for v in kind)
        raise InvalidInput(f"{field}: choose one of {known}") from None


def procedure_from(form: FormData, operator: str) -> ProcedureRecord:
    """The procedure record of the form; each refusal names its field."""

    def when(name: str, required: bool = False) -> datetime | None:
        return as_datetime(name, text_of(form, name), required=required)

    vitals = []
    for n in range(MAX_VITAL_ROWS):
        sign = text_of(form, f"vital_sign_{n}")
        value = as_float(f"vital_value_{n}", text_of(form, f"vital_value_{n}"))
        if sign and value is not None:
            at = when(f"vital_at_{n}") or _required(when("started_at", True))
            try:
                vitals.append(make_vital(at, sign, value))
            except InvalidInput as error:  # named by its row, so the page can point at it
                raise InvalidInput(f"vital_value_{n}: {error}") from None
    complications = tuple(
        _choice(Complication, "complications", str(c)) for c in form.getlist("complications")
    )
    try:
        return ProcedureRecord(
            operator=text_of(form, "operator") or operator,
            assistant=text_of(form, "assistant"),
            site=_choice(Site, "site", text_of(form, "site")),
            side=_choice(Side, "side", text_of(form, "side")),
            sedation=_choice(Sedation, "sedation", text_of(form, "sedation") or "local"),
            time_out_at=_required(when("time_out_at", True)),
            started_at=_required(when("started_at", True)),
            ended_at=_required(when("ended_at", True)),
            aspirate_at=when("aspirate_at"),
            dry_tap=text_of(form, "dry_tap") == "yes",
            biopsy_at=when("biopsy_at"),
            core_length_mm=as_float("core_length_mm", text_of(form, "core_length_mm")),
            vitals=tuple(vitals),
            complications=complications,
            complication_notes=text_of(form, "complication_notes"),
            observation_minutes=as_int("observation_minutes", text_of(form, "observation_minutes"))
            or 0,
            notes=text_of(form, "notes"),
        )
    except ValueError as error:
        raise InvalidInput(f"procedure: {error}") from None


def _required(value: datetime | None) -> datetime:
    if value is None:  # as_datetime(required=True) already refused an empty field
        raise InvalidInput("a required time is missing")
    return value
