"""What the nursing checklist and procedure forms open with: the saved record, or for a
checklist not yet saved, the platelet count (and INR, where the count carries one) from
the case's current blood count. ``ward_readers`` reads them back.

Opening with the saved values matters beyond convenience: the live findings panel runs
the rules on the form as it stands, so a form that opened blank would show findings the
saved checklist above it contradicts. Times are shown in the lab's zone, as the fields
are read (``web.forms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from marrowscope.domain.display_names import number_text
from marrowscope.domain.pathway.records import CaseRecord, RecordKind
from marrowscope.web.form_state import FormValues
from marrowscope.web.forms import local_input

__all__ = ["MAX_VITAL_ROWS", "MEDICATION_ROWS", "checklist_values", "procedure_values"]

MEDICATION_ROWS = 3
MAX_VITAL_ROWS = 48  # a long sedation may log many; the form grows to what is saved


def _time(value: Any, zone: str) -> str:
    if not value:
        return ""
    try:
        return local_input(datetime.fromisoformat(str(value)), zone)
    except ValueError:
        return ""


def _number(value: Any) -> str:
    return "" if value is None or isinstance(value, bool) else number_text(value)


def _yes_no(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, "")


def _from_cbc(record: CaseRecord, zone: str) -> FormValues:
    """Platelets (and INR if recorded) of the current blood count, with its time; no
    count, no time: a time nobody took is not written in for them."""
    cbc = record.latest(RecordKind.CBC)
    if cbc is None:
        return {}
    values: Mapping[str, Any] = cbc.payload.get("values", {})
    taken = _time(cbc.payload.get("collected_at"), zone)
    return {
        "platelets_per_nl": _number(values.get("platelets")),
        "platelets_at": taken,
        "inr": _number(values.get("inr")),
        "inr_at": taken if values.get("inr") is not None else "",
    }


def checklist_values(record: CaseRecord, zone: str) -> FormValues:
    """The checklist as saved last, else the blood count's platelets (no planned time,
    pregnancy, consent or agents: those are asked, never assumed; the allergy check is
    only as good as the agents it is told will be used)."""
    saved = record.latest(RecordKind.ASSESSMENT)
    if saved is None:
        return dict(_from_cbc(record, zone))
    a: Mapping[str, Any] = saved.payload.get("assessment", {})
    plan: Mapping[str, Any] = saved.payload.get("plan", {})
    values: FormValues = {
        "planned_at": _time(plan.get("planned_at"), zone),
        "sedation": str(plan.get("sedation") or ""),
        "sedatives": ", ".join(plan.get("sedatives") or ()),
        "local_anaesthetic": str(plan.get("local_anaesthetic") or ""),
        "antiseptic": str(plan.get("antiseptic") or ""),
        "allergies": ", ".join(a.get("allergies") or ()),
        "pregnancy": str(a.get("pregnancy") or ""),
        "bleeding_disorder": str(a.get("bleeding_disorder") or ""),
        "platelets_per_nl": _number(a.get("platelets_per_nl")),
        "platelets_at": _time(a.get("platelets_at"), zone),
        "inr": _number(a.get("inr")),
        "inr_at": _time(a.get("inr_at"), zone),
        "creatinine_clearance_ml_min": _number(a.get("creatinine_clearance_ml_min")),
        "other_medications": ", ".join(a.get("other_medications") or ()),
        "last_solids_at": _time(a.get("last_solids_at"), zone),
        "last_clear_fluids_at": _time(a.get("last_clear_fluids_at"), zone),
        "driver_home": _yes_no(a.get("driver_home")),
        "consent_by": str(a.get("consent_by") or ""),
        "consent_signed_by": str(a.get("consent_signed_by") or ""),
        "notes": str(a.get("notes") or ""),
    }
    for n, medication in enumerate(a.get("medications") or ()):
        values[f"drug_{n}"] = str(medication.get("drug") or "")
        values[f"last_dose_{n}"] = _time(medication.get("last_dose_at"), zone)
    return values


def procedure_values(record: CaseRecord, zone: str) -> FormValues:
    """The procedure as saved last, else the checklist's sedation: operator and times are
    left for the person who was there to fill in (a time prefilled with "now" is saved as
    if someone had read it off the clock)."""
    saved = record.latest(RecordKind.PROCEDURE)
    if saved is None:
        assessment = record.latest(RecordKind.ASSESSMENT)
        plan = assessment.payload.get("plan", {}) if assessment else {}
        return {
            "sedation": str(plan.get("sedation") or ""),
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
        values[name] = _time(p.get(name), zone)
    for n, vital in enumerate(p.get("vitals") or ()):
        values[f"vital_at_{n}"] = _time(vital.get("at"), zone)
        values[f"vital_sign_{n}"] = str(vital.get("sign") or "")
        values[f"vital_value_{n}"] = _number(vital.get("value"))
    return values
