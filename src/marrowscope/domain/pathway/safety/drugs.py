"""The drug rules of the safety check: anticoagulants and antiplatelets held long enough before
the procedure (renal function where it matters), and the drugs the check knows.
"""

from __future__ import annotations

from typing import Any

from marrowscope.domain.pathway.safety.model import (
    Assessment,
    Plan,
    SafetyFinding,
    Severity,
)
from marrowscope.domain.tables import load_table

__all__ = ["drug_rules"]

_T = load_table("safety")


def hold_hours(row: dict[str, Any], crcl: float | None) -> float:
    hours = float(row["hold_hours"])
    if "hold_hours_low_crcl" in row and (crcl is None or crcl < row["crcl_threshold_ml_min"]):
        # unknown renal function: take the longer interval
        hours = float(row["hold_hours_low_crcl"])
    return hours


def drug_rules(a: Assessment, plan: Plan) -> tuple[list[SafetyFinding], bool]:
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
        hold = hold_hours(row, a.creatinine_clearance_ml_min)
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
