"""Pre-procedure safety assessment: rules from ``tables/safety.toml`` produce findings.

Each finding has a severity (stop / review / note) and cites the source of its rule, so
the operator sees why, and the audit log keeps what was shown. Bone marrow aspiration
and trephine biopsy are low-bleeding-risk procedures (SIR 2019), which sets the
platelet and INR thresholds and the anticoagulant hold times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.tables import load_table

__all__ = [
    "Assessment",
    "ConsentBy",
    "Medication",
    "Plan",
    "Pregnancy",
    "SafetyFinding",
    "Sedation",
    "Severity",
    "assess",
    "known_drugs",
    "overall",
]

_T = load_table("safety")


class Severity(StrEnum):
    """How a finding bears on going ahead."""

    STOP = "stop"  # do not start until resolved
    REVIEW = "review"  # the operator decides and records why
    NOTE = "note"  # for information

    @property
    def rank(self) -> int:
        return {"stop": 2, "review": 1, "note": 0}[self.value]


class Sedation(StrEnum):
    """Sedation planned or given."""

    LOCAL = "local"  # local anaesthetic only
    CONSCIOUS = "conscious"
    GENERAL = "general"


class Pregnancy(StrEnum):
    """Pregnancy status as asked before the procedure."""

    NOT_PREGNANT = "not_pregnant"
    PREGNANT = "pregnant"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class ConsentBy(StrEnum):
    """Who gave consent."""

    PATIENT = "patient"
    GUARDIAN = "guardian"  # a person with parental responsibility
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Medication:
    """An antithrombotic (or other) drug with when it was last taken."""

    drug: str  # key of [drugs.*] in safety.toml, or free text for other medicines
    last_dose_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What the procedure will use; allergies are checked against it."""

    planned_at: datetime
    sedation: Sedation = Sedation.LOCAL
    local_anaesthetic: str = "lidocaine"
    antiseptic: str = "chlorhexidine"
    sedatives: tuple[str, ...] = ()
    latex_free: bool = False
    biopsy: bool = True


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the nurse or operator found before the procedure."""

    assessed_at: datetime
    age_years: int
    sex: str
    allergies: tuple[str, ...] = ()
    pregnancy: Pregnancy = Pregnancy.NOT_APPLICABLE
    bleeding_disorder: str = ""  # free text; empty = none known
    platelets_per_nl: float | None = None  # x10^9/L
    platelets_at: datetime | None = None
    inr: float | None = None
    inr_at: datetime | None = None
    creatinine_clearance_ml_min: float | None = None
    medications: tuple[Medication, ...] = ()
    other_medications: tuple[str, ...] = ()
    last_solids_at: datetime | None = None
    last_clear_fluids_at: datetime | None = None
    driver_home: bool | None = None
    consent_by: ConsentBy = ConsentBy.NONE
    consent_signed_by: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.age_years <= 130:
            raise InvalidInput(f"age_years: {self.age_years} is not a possible age")
        if self.platelets_per_nl is not None and not 0 <= self.platelets_per_nl <= 5000:
            raise InvalidMeasurement(f"platelets: {self.platelets_per_nl} x10^9/L is impossible")
        if self.inr is not None and not 0.5 <= self.inr <= 20:
            raise InvalidMeasurement(f"inr: {self.inr} is outside what is possible (0.5-20)")
        if self.creatinine_clearance_ml_min is not None and not (
            0 <= self.creatinine_clearance_ml_min <= 300
        ):
            raise InvalidMeasurement("creatinine_clearance_ml_min: outside 0-300 mL/min")


@dataclass(frozen=True, slots=True)
class SafetyFinding:
    """One rule's outcome: what, how serious, and on whose authority."""

    rule: str
    severity: Severity
    message: str
    source: str
    details: dict[str, Any] = field(default_factory=dict)


def known_drugs() -> dict[str, str]:
    """Drug keys of the table with their kind (anticoagulant, antiplatelet, nsaid)."""
    return {k: v["kind"] for k, v in _T["drugs"].items()}


def overall(findings: Sequence[SafetyFinding]) -> Severity | None:
    """The most serious severity among ``findings`` (None when there are none)."""
    if not findings:
        return None
    return max((f.severity for f in findings), key=lambda s: s.rank)


def _fresh(at: datetime | None, now: datetime) -> bool:
    return at is not None and now - at <= timedelta(hours=_T["labs"]["max_age_hours"])


def _allergy_rules(a: Assessment, plan: Plan) -> list[SafetyFinding]:
    out: list[SafetyFinding] = []
    allergens = _T["allergens"]
    planned_groups: dict[str, str] = {}
    la = allergens.get(plan.local_anaesthetic.lower(), {"group": "local_anaesthetic"})
    planned_groups[la["group"]] = plan.local_anaesthetic
    if plan.antiseptic.lower() in allergens:
        planned_groups[allergens[plan.antiseptic.lower()]["group"]] = plan.antiseptic
    if plan.sedation is not Sedation.LOCAL:
        for s in plan.sedatives or ("midazolam",):
            planned_groups.setdefault("sedative", s)
    for allergy in a.allergies:
        key = allergy.strip().lower()
        row = allergens.get(key)
        if row is None:
            out.append(
                SafetyFinding(
                    "allergy.other",
                    Severity.NOTE,
                    f"Allergy recorded: {allergy}; check it against every agent used",
                    "local policy",
                )
            )
            continue
        group = row["group"]
        if group == "latex":
            severity = Severity.NOTE if plan.latex_free else Severity.REVIEW
            msg = "Latex allergy: use a latex-free room, gloves and equipment"
            out.append(SafetyFinding("allergy.latex", severity, msg, row["source"]))
        elif group in planned_groups:
            out.append(
                SafetyFinding(
                    f"allergy.{group}",
                    Severity.STOP,
                    f"Allergy to {allergy} and the plan uses {planned_groups[group]}: "
                    "change the agent before starting",
                    row["source"],
                    {"allergy": key, "planned": planned_groups[group]},
                )
            )
        else:
            out.append(
                SafetyFinding(
                    f"allergy.{group}",
                    Severity.NOTE,
                    f"Allergy to {allergy}: not used in this plan; keep it that way",
                    row["source"],
                )
            )
    return out


def _blood_rules(a: Assessment, plan: Plan, on_warfarin: bool) -> list[SafetyFinding]:
    out: list[SafetyFinding] = []
    p = _T["platelets"]
    now = plan.planned_at
    if a.platelets_per_nl is None or not _fresh(a.platelets_at, now):
        out.append(
            SafetyFinding(
                "platelets.missing",
                Severity.REVIEW,
                f"No platelet count within {_T['labs']['max_age_hours']} h of the procedure",
                _T["labs"]["source"],
            )
        )
    elif a.platelets_per_nl < p["review_below_per_nl"]:
        out.append(
            SafetyFinding(
                "platelets.low",
                Severity.REVIEW,
                f"Platelets {a.platelets_per_nl:g} x10^9/L, below "
                f"{p['review_below_per_nl']:g}: consider platelet transfusion and firm "
                "pressure; record the decision",
                p["source"],
                {"platelets_per_nl": a.platelets_per_nl},
            )
        )
    i = _T["inr"]
    if a.inr is None or not _fresh(a.inr_at, now):
        if on_warfarin:
            out.append(
                SafetyFinding(
                    "inr.missing",
                    Severity.STOP,
                    "Taking warfarin and no INR within the last "
                    f"{_T['labs']['max_age_hours']} h: measure the INR first",
                    _T["drugs"]["warfarin"]["source"],
                )
            )
    elif a.inr > i["stop_above"]:
        out.append(
            SafetyFinding(
                "inr.high",
                Severity.STOP,
                f"INR {a.inr:g} above {i['stop_above']:g}: correct before the procedure",
                i["source"],
                {"inr": a.inr},
            )
        )
    elif a.inr > i["review_above"]:
        out.append(
            SafetyFinding(
                "inr.borderline",
                Severity.REVIEW,
                f"INR {a.inr:g} between {i['review_above']:g} and {i['stop_above']:g}: "
                "operator to decide on correction",
                i["source"],
                {"inr": a.inr},
            )
        )
    if a.bleeding_disorder.strip():
        out.append(
            SafetyFinding(
                "bleeding_disorder",
                Severity.REVIEW,
                f"Bleeding disorder: {a.bleeding_disorder.strip()}; agree a haemostasis "
                "plan with haematology",
                _T["bleeding_disorder"]["source"],
            )
        )
    return out


def _hold_hours(row: dict[str, Any], crcl: float | None) -> float:
    hours = float(row["hold_hours"])
    if "hold_hours_low_crcl" in row and (crcl is None or crcl < row["crcl_threshold_ml_min"]):
        # unknown renal function: take the longer interval
        hours = float(row["hold_hours_low_crcl"])
    return hours


def _drug_rules(a: Assessment, plan: Plan) -> tuple[list[SafetyFinding], bool]:
    out: list[SafetyFinding] = []
    drugs = _T["drugs"]
    antithrombotic = 0
    on_warfarin = False
    for med in a.medications:
        key = med.drug.strip().lower()
        row = drugs.get(key)
        if row is None:
            out.append(
                SafetyFinding("medication.other", Severity.NOTE, f"Also takes {med.drug}", "-")
            )
            continue
        if row["kind"] in ("anticoagulant", "antiplatelet"):
            antithrombotic += 1
        if key == "warfarin":
            on_warfarin = True
        hold = _hold_hours(row, a.creatinine_clearance_ml_min)
        if hold <= 0:
            out.append(SafetyFinding(f"drug.{key}", Severity.NOTE, row["advice"], row["source"]))
            continue
        if med.last_dose_at is None:
            out.append(
                SafetyFinding(
                    f"drug.{key}",
                    Severity.REVIEW,
                    f"{row['advice']}; time of last dose not recorded",
                    row["source"],
                )
            )
            continue
        since = (plan.planned_at - med.last_dose_at).total_seconds() / 3600
        if since < hold:
            out.append(
                SafetyFinding(
                    f"drug.{key}",
                    Severity.STOP,
                    f"{key}: last dose {since:.1f} h before the procedure, "
                    f"less than {hold:g} h; postpone or discuss",
                    row["source"],
                    {"hours_since_dose": round(since, 1), "hold_hours": hold},
                )
            )
        else:
            out.append(
                SafetyFinding(
                    f"drug.{key}",
                    Severity.NOTE,
                    f"{key}: last dose {since:.1f} h before, hold of {hold:g} h met",
                    row["source"],
                )
            )
    if antithrombotic >= 2:
        out.append(
            SafetyFinding(
                "drug.combined",
                Severity.REVIEW,
                "Two or more antithrombotic drugs: individual decision with the prescriber",
                _T["combined_antithrombotics"]["source"],
            )
        )
    for other in a.other_medications:
        out.append(SafetyFinding("medication.other", Severity.NOTE, f"Also takes {other}", "-"))
    return out, on_warfarin


def _patient_rules(a: Assessment, plan: Plan) -> list[SafetyFinding]:
    out: list[SafetyFinding] = []
    preg = _T["pregnancy"]
    if a.pregnancy is Pregnancy.PREGNANT:
        out.append(
            SafetyFinding(
                "pregnancy",
                Severity.REVIEW,
                "Pregnant: review sedation, positioning and whether the examination can wait",
                preg["source"],
            )
        )
    elif (
        a.pregnancy in (Pregnancy.UNKNOWN, Pregnancy.NOT_APPLICABLE)
        and a.sex == "female"
        and preg["childbearing_age_min_years"] <= a.age_years <= preg["childbearing_age_max_years"]
    ):
        out.append(
            SafetyFinding(
                "pregnancy.unknown",
                Severity.REVIEW,
                "Pregnancy status not established: ask, and test if in doubt",
                preg["source"],
            )
        )
    if plan.sedation is not Sedation.LOCAL:
        f = _T["fasting"]
        for label, at, hours in (
            ("solids", a.last_solids_at, f["solids_hours"]),
            ("clear_fluids", a.last_clear_fluids_at, f["clear_fluids_hours"]),
        ):
            if at is None:
                out.append(
                    SafetyFinding(
                        f"fasting.{label}",
                        Severity.REVIEW,
                        f"Sedation planned; time of last {label.replace('_', ' ')} not recorded",
                        f["source"],
                    )
                )
            elif (plan.planned_at - at) < timedelta(hours=hours):
                out.append(
                    SafetyFinding(
                        f"fasting.{label}",
                        Severity.STOP,
                        f"Sedation planned; last {label.replace('_', ' ')} less than "
                        f"{hours:g} h before",
                        f["source"],
                    )
                )
        if a.driver_home is not True:
            out.append(
                SafetyFinding(
                    "escort",
                    Severity.STOP,
                    "Sedation planned and no adult to take the patient home: arrange one or "
                    "do the procedure under local anaesthetic only",
                    _T["escort"]["source"],
                )
            )
    c = _T["consent"]
    minor = a.age_years < c["adult_age_years"]
    if a.consent_by is ConsentBy.NONE or not a.consent_signed_by.strip():
        out.append(SafetyFinding("consent", Severity.STOP, "Consent not recorded", c["source"]))
    elif minor and a.consent_by is not ConsentBy.GUARDIAN:
        out.append(
            SafetyFinding(
                "consent.minor",
                Severity.STOP,
                f"Patient is {a.age_years}: consent from a person with parental "
                "responsibility is needed (the child's assent recorded as well)",
                c["source"],
            )
        )
    return out


def assess(a: Assessment, plan: Plan) -> list[SafetyFinding]:
    """Every rule applied to ``a`` for ``plan``; most serious first, stable within a level."""
    if plan.planned_at.tzinfo is None:
        raise InvalidInput("planned_at: give a time zone")
    drug_findings, on_warfarin = _drug_rules(a, plan)
    findings = [
        *_allergy_rules(a, plan),
        *_blood_rules(a, plan, on_warfarin),
        *drug_findings,
        *_patient_rules(a, plan),
    ]
    return sorted(findings, key=lambda f: -f.severity.rank)
