"""The safety rules: allergies, blood counts and clotting, drugs, and the patient.

Every threshold and hold time comes from ``tables/safety.toml``, each with its source,
and every agent and cross-reaction from ``tables/preprocedure_agents.toml``; this module
only applies them (allergies in ``allergies.py``, drugs in ``drugs.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway.safety.allergies import allergy_rules
from marrowscope.domain.pathway.safety.drugs import drug_rules
from marrowscope.domain.pathway.safety.inputs import refuse_impossible
from marrowscope.domain.pathway.safety.model import (
    Assessment,
    ConsentBy,
    Plan,
    Pregnancy,
    SafetyFinding,
    Sedation,
    Severity,
)
from marrowscope.domain.pathway.safety.policy import SafetyPolicy
from marrowscope.domain.tables import load_table

__all__ = ["assess", "known_drugs", "pregnancy_asked"]

_T = load_table("safety")


def known_drugs() -> dict[str, str]:
    """Drug keys of the table with their kind (anticoagulant, antiplatelet, nsaid)."""
    return {k: v["kind"] for k, v in _T["drugs"].items()}


def _fresh(at: datetime | None, now: datetime) -> bool:
    return at is not None and now - at <= timedelta(hours=_T["labs"]["max_age_hours"])


def _blood_rules(
    a: Assessment, plan: Plan, on_warfarin: bool, policy: SafetyPolicy
) -> list[SafetyFinding]:
    out: list[SafetyFinding] = []
    p = _T["platelets"]
    threshold = policy.platelet_threshold_per_nl
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
    elif a.platelets_per_nl < threshold:
        out.append(
            SafetyFinding(
                "platelets.low",
                Severity.REVIEW,
                f"Platelets {a.platelets_per_nl:g} x10^9/L, below {threshold:g}: consider "
                "platelet transfusion and firm pressure; record the decision",
                f"{p['source']}; {policy.words('platelet_threshold_per_nl')}",
                {"platelets_per_nl": a.platelets_per_nl, "threshold_per_nl": threshold},
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


def pregnancy_asked(sex: str, age_years: int) -> bool:
    """Whether pregnancy must be asked before the procedure (the table's ages, patients
    recorded as female); for them "not applicable" is no answer."""
    preg = _T["pregnancy"]
    low, high = preg["childbearing_age_min_years"], preg["childbearing_age_max_years"]
    return sex == "female" and low <= age_years <= high


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
    elif a.pregnancy in (Pregnancy.UNKNOWN, Pregnancy.NOT_APPLICABLE) and pregnancy_asked(
        a.sex, a.age_years
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


def assess(a: Assessment, plan: Plan, policy: SafetyPolicy | None = None) -> list[SafetyFinding]:
    """Every rule applied to ``a`` for ``plan`` under the lab's ``policy`` (default: the
    guidelines'); most serious first, stable within a level. Impossible times are
    refused (``InvalidInput``) before any rule runs."""
    if plan.planned_at.tzinfo is None:
        raise InvalidInput("planned_at: give a time zone")
    policy = policy or SafetyPolicy()
    refuse_impossible(a, plan)
    drug_findings, on_warfarin = drug_rules(a, plan, policy)
    findings = [
        *allergy_rules(a, plan),
        *_blood_rules(a, plan, on_warfarin, policy),
        *drug_findings,
        *_patient_rules(a, plan),
    ]
    return sorted(findings, key=lambda f: -f.severity.rank)
