"""Domain records <-> JSON payloads of ``clinical_record`` (and back, on reading).

Reading a payload goes through the same constructors as fresh input, so a stored
record is re-validated on the way out and a hand-edited row cannot smuggle in an
impossible value unnoticed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from marrowscope.domain.audit import to_json_value
from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.pathway.aftercare import CheckIn, Escalation
from marrowscope.domain.pathway.cbc import BloodCount
from marrowscope.domain.pathway.indication import ExamOrder, Indication, Urgency
from marrowscope.domain.pathway.order_origin import origin_from
from marrowscope.domain.pathway.order_set import default_items, parse_items
from marrowscope.domain.pathway.procedure import Complication, ProcedureRecord, Side, Site
from marrowscope.domain.pathway.safety import (
    Assessment,
    ConsentBy,
    Medication,
    Plan,
    Pregnancy,
    SafetyFinding,
    Sedation,
    Severity,
)
from marrowscope.domain.pathway.vitals import make_vital

__all__ = [
    "assessment_from",
    "cbc_from",
    "check_in_from",
    "dump",
    "findings_from",
    "order_from",
    "plan_from",
    "procedure_from",
]


def dump(value: Any) -> Any:
    """Any domain value as JSON-ready data."""
    return to_json_value(value)


def _dt(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(f"time: {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"time: {value!r} needs a time zone (e.g. +00:00)")
    return parsed


def _req_dt(value: Any) -> datetime:
    parsed = _dt(value)
    if parsed is None:
        raise ValueError("a stored time is missing")
    return parsed


def _num(p: Mapping[str, Any], key: str) -> float | None:
    """An optional number from data that may come from a form (text) or JSON."""
    value = p.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidMeasurement(f"{key}: a number is needed")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidMeasurement(f"{key}: {value!r} is not a number") from None


def _flag(p: Mapping[str, Any], key: str) -> bool | None:
    """An optional yes/no: JSON booleans or form text ('true', 'yes', 'on', '1', ...)."""
    value = p.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1", "y"):
        return True
    if text in ("false", "no", "off", "0", "n"):
        return False
    raise InvalidInput(f"{key}: answer yes or no")


def _texts(p: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """A list of texts; a single string is split on commas (form fields)."""
    value = p.get(key) or ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(str(v).strip() for v in value if str(v).strip())


def cbc_from(p: Mapping[str, Any]) -> BloodCount:
    return BloodCount(
        _req_dt(p["collected_at"]),
        {k: float(v) for k, v in p["values"].items()},
        p.get("laboratory", ""),
        str(p.get("status", "final")),
        {str(k): str(v) for k, v in (p.get("comparators") or {}).items()},
    )


def order_from(p: Mapping[str, Any]) -> ExamOrder:
    """An order as stored; one stored before tests were ordered with it asks for its
    indications' local defaults, and says so."""
    indications = tuple(Indication(i) for i in p["indications"])
    if p.get("tests"):
        tests, basis = parse_items(p["tests"]), str(p.get("tests_basis") or "")
    else:
        tests = default_items(indications)
        basis = "the indication's local defaults (ordered before tests were chosen)"
    return ExamOrder(
        indications,
        p["clinical_details"],
        Urgency(p["urgency"]),
        p["ordered_by"],
        _req_dt(p["ordered_at"]),
        origin_from(p.get("origin")),
        tests,
        basis,
    )


def plan_from(p: Mapping[str, Any]) -> Plan:
    return Plan(
        planned_at=_req_dt(p["planned_at"]),
        sedation=Sedation(p["sedation"]),
        local_anaesthetic=p["local_anaesthetic"],
        antiseptic=p["antiseptic"],
        sedatives=tuple(p.get("sedatives", ())),
        latex_free=bool(p.get("latex_free", False)),
        biopsy=bool(p.get("biopsy", True)),
    )


def assessment_from(p: Mapping[str, Any]) -> Assessment:
    """An ``Assessment`` from stored JSON or form data; bad values name their field."""
    try:
        pregnancy = Pregnancy(p.get("pregnancy") or "not_applicable")
        consent_by = ConsentBy(p.get("consent_by") or "none")
    except ValueError as error:
        raise InvalidInput(f"pregnancy/consent_by: {error}") from error
    age = _num(p, "age_years")
    return Assessment(
        assessed_at=_req_dt(p["assessed_at"]),
        age_years=int(age if age is not None else -1),
        sex=str(p["sex"]),
        allergies=_texts(p, "allergies"),
        pregnancy=pregnancy,
        bleeding_disorder=str(p.get("bleeding_disorder") or ""),
        platelets_per_nl=_num(p, "platelets_per_nl"),
        platelets_at=_dt(p.get("platelets_at")),
        inr=_num(p, "inr"),
        inr_at=_dt(p.get("inr_at")),
        creatinine_clearance_ml_min=_num(p, "creatinine_clearance_ml_min"),
        medications=tuple(
            Medication(str(m["drug"]), _dt(m.get("last_dose_at")))
            for m in p.get("medications") or ()
        ),
        other_medications=_texts(p, "other_medications"),
        last_solids_at=_dt(p.get("last_solids_at")),
        last_clear_fluids_at=_dt(p.get("last_clear_fluids_at")),
        driver_home=_flag(p, "driver_home"),
        consent_by=consent_by,
        consent_signed_by=str(p.get("consent_signed_by") or ""),
        notes=str(p.get("notes") or ""),
    )


def findings_from(items: Any) -> list[SafetyFinding]:
    return [
        SafetyFinding(f["rule"], Severity(f["severity"]), f["message"], f["source"], f["details"])
        for f in items
    ]


def procedure_from(p: Mapping[str, Any]) -> ProcedureRecord:
    return ProcedureRecord(
        operator=p["operator"],
        site=Site(p["site"]),
        side=Side(p["side"]),
        sedation=Sedation(p["sedation"]),
        time_out_at=_req_dt(p["time_out_at"]),
        started_at=_req_dt(p["started_at"]),
        ended_at=_req_dt(p["ended_at"]),
        aspirate_at=_dt(p.get("aspirate_at")),
        dry_tap=bool(p.get("dry_tap", False)),
        biopsy_at=_dt(p.get("biopsy_at")),
        core_length_mm=p.get("core_length_mm"),
        vitals=tuple(
            make_vital(_req_dt(v["at"]), v["sign"], v["value"], v.get("unit"))
            for v in p.get("vitals", ())
        ),
        complications=tuple(Complication(c) for c in p.get("complications", ())),
        complication_notes=p.get("complication_notes", ""),
        observation_minutes=int(p.get("observation_minutes", 0)),
        assistant=p.get("assistant", ""),
        notes=p.get("notes", ""),
    )


def check_in_from(p: Mapping[str, Any]) -> tuple[CheckIn, Escalation]:
    from marrowscope.domain.pathway.aftercare import EscalationLevel

    c = p["check_in"]
    e = p["escalation"]
    return (
        CheckIn(
            _req_dt(c["at"]),
            tuple(c["symptoms"]),
            c.get("temperature_c"),
            c.get("contacted_by", ""),
            c.get("notes", ""),
        ),
        Escalation(
            EscalationLevel(e["level"]),
            tuple(e["reasons"]),
            tuple(e["advice"]),
            tuple(e["sources"]),
        ),
    )
