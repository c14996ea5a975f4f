"""The patient's plain-language preparation sheet, written from the plan and the findings.

Short sentences, no abbreviations: the sheet is read at home the day before. Drug
instructions say *when to take the last dose*, computed from the hold times of
``tables/safety.toml``, and always defer to the care team.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from marrowscope.domain.safety import Medication, Plan, Sedation
from marrowscope.domain.tables import load_table

__all__ = ["preparation_sheet"]


def _when(at: datetime) -> str:
    return at.strftime("%A %d %B %Y at %H:%M UTC")


def preparation_sheet(
    patient_name: str,
    plan: Plan,
    medications: Sequence[Medication] = (),
    creatinine_clearance_ml_min: float | None = None,
) -> str:
    """Plain text for the patient: what will happen, how to prepare, what to bring."""
    safety = load_table("safety")
    lines = [
        f"Preparing for your bone marrow test - {patient_name}",
        "",
        f"Your appointment: {_when(plan.planned_at)}.",
        "",
        "What will happen",
        "A doctor or nurse will numb the skin and bone at the back of your hip with a local",
        "anaesthetic, then take a small sample of liquid marrow"
        + (" and a thin core of bone." if plan.biopsy else "."),
        "It takes about 20 to 30 minutes. You may feel pressure and a brief pulling pain.",
        "",
        "Before you come",
    ]
    if plan.sedation is not Sedation.LOCAL:
        fasting = safety["fasting"]
        solids_by = plan.planned_at - timedelta(hours=fasting["solids_hours"])
        fluids_by = plan.planned_at - timedelta(hours=fasting["clear_fluids_hours"])
        lines += [
            "- You will be given medicine to make you sleepy (sedation).",
            f"- Do not eat anything after {_when(solids_by)}.",
            f"- You may drink water or clear fluids until {_when(fluids_by)}, then nothing.",
            "- An adult must take you home and stay with you overnight.",
            "- Do not drive, drink alcohol or sign important papers for 24 hours afterwards.",
        ]
    else:
        lines.append("- You can eat and drink normally.")
    for med in medications:
        row = safety["drugs"].get(med.drug.strip().lower())
        if row is None:
            continue
        hold = float(row["hold_hours"])
        if "hold_hours_low_crcl" in row and (
            creatinine_clearance_ml_min is None
            or creatinine_clearance_ml_min < row["crcl_threshold_ml_min"]
        ):
            hold = float(row["hold_hours_low_crcl"])
        if med.drug.lower() == "warfarin":
            lines.append(
                "- You take warfarin: you will need a blood test (INR) before the test. "
                "Your team will tell you whether to stop it and when."
            )
        elif hold > 0:
            last = plan.planned_at - timedelta(hours=hold)
            lines.append(
                f"- You take {med.drug}: take your last dose no later than {_when(last)}, "
                "unless your team tells you otherwise."
            )
        else:
            lines.append(f"- Keep taking {med.drug} as usual.")
    lines += [
        "- Take your other usual medicines unless you are told not to.",
        "- Tell us if you are allergic to anything, especially local anaesthetics,",
        "  antiseptics (chlorhexidine, iodine), latex or sedatives, or if you might be pregnant.",
        "",
        "Please bring",
        "- A list of your medicines and a contact phone number.",
        "",
        "If you have questions or cannot come, call the haematology team.",
    ]
    return "\n".join(lines)
