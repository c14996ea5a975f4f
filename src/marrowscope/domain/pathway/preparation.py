"""The patient's plain-language preparation sheet, written from the plan and the findings.

Short sentences, no abbreviations: the sheet is read at home the day before. Drug
instructions say *when to take the last dose*, computed from the hold times of
``tables/safety.toml``, and always defer to the care team.

The sheet is built as sections of whole sentences (``PreparationSheet``), not as lines
wrapped at a fixed width: a phone reflows a paragraph, but a hard line break in the
middle of a sentence stays and reads as broken text. Times are written in
the zone the patient lives in, not in UTC, and the number to call is written out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from marrowscope.domain.pathway.safety import Medication, Plan, SafetyPolicy, Sedation, hold_for
from marrowscope.domain.tables import load_table

__all__ = ["PreparationSheet", "SheetSection", "preparation", "preparation_sheet"]


@dataclass(frozen=True, slots=True)
class SheetSection:
    """A heading with its paragraphs and bullet points, each one whole sentence or more."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PreparationSheet:
    """The sheet as a page shows it: a title, then sections."""

    title: str
    sections: tuple[SheetSection, ...]

    def as_text(self) -> str:
        """Plain text (CLI, printing): one line per paragraph or bullet."""
        blocks = [self.title]
        for s in self.sections:
            lines = ([s.heading] if s.heading else []) + list(s.paragraphs)
            lines += [f"- {b}" for b in s.bullets]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


def _when(at: datetime, zone: tzinfo) -> str:
    local = at.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y at %H:%M} {local.tzname()}"


def _drug_lines(
    medications: Sequence[Medication],
    plan: Plan,
    creatinine_clearance_ml_min: float | None,
    zone: tzinfo,
    policy: SafetyPolicy | None,
) -> list[str]:
    drugs = load_table("safety")["drugs"]
    lines = []
    for med in medications:
        key = med.drug.strip().lower()
        row = drugs.get(key)
        if row is None:
            continue
        found = hold_for(key, creatinine_clearance_ml_min, policy)
        hold = found.hours
        if hold is None and creatinine_clearance_ml_min is None:
            # kidney function not yet known: the sheet gives the longest hold of the table
            hold = max(float(b.get("hold_hours", 0)) for b in row["renal"])
        if hold is None:
            lines.append(
                f"You take {med.drug}: your team will tell you when to take your last dose."
            )
        elif key == "warfarin":
            lines.append(
                "You take warfarin: you will need a blood test (INR) before the test. "
                "Your team will tell you whether to stop it and when."
            )
        elif hold > 0:
            last = plan.planned_at - timedelta(hours=hold)
            lines.append(
                f"You take {med.drug}: take your last dose no later than "
                f"{_when(last, zone)}, unless your team tells you otherwise."
            )
        else:
            lines.append(f"Keep taking {med.drug} as usual.")
    return lines


def preparation(
    patient_name: str,
    plan: Plan,
    medications: Sequence[Medication] = (),
    creatinine_clearance_ml_min: float | None = None,
    *,
    zone: tzinfo = UTC,
    phone: str = "",
    policy: SafetyPolicy | None = None,
) -> PreparationSheet:
    """The sheet for the patient: what will happen, how to prepare, what to bring.

    ``zone`` is the zone the times are written in; ``phone`` the care team's number,
    written wherever the sheet says to call.
    """
    before: list[str] = []
    if plan.sedation is not Sedation.LOCAL:
        fasting = load_table("safety")["fasting"]
        solids_by = plan.planned_at - timedelta(hours=fasting["solids_hours"])
        fluids_by = plan.planned_at - timedelta(hours=fasting["clear_fluids_hours"])
        before += [
            "You will be given medicine to make you sleepy (sedation).",
            f"Do not eat anything after {_when(solids_by, zone)}.",
            f"You may drink water or clear fluids until {_when(fluids_by, zone)}, then nothing.",
            "An adult must take you home and stay with you overnight.",
            "Do not drive, drink alcohol or sign important papers for 24 hours afterwards.",
        ]
    else:
        before.append("You can eat and drink normally.")
    before += _drug_lines(medications, plan, creatinine_clearance_ml_min, zone, policy)
    before += [
        "Take your other usual medicines unless you are told not to.",
        "Tell us if you are allergic to anything, especially local anaesthetics, antiseptics "
        "(chlorhexidine, iodine), latex or sedatives, or if you might be pregnant.",
    ]
    call = "call the haematology team" + (f" on {phone}" if phone else "")
    return PreparationSheet(
        title=f"Preparing for your bone marrow test - {patient_name}",
        sections=(
            SheetSection("", (f"Your appointment: {_when(plan.planned_at, zone)}.",)),
            SheetSection(
                "What will happen",
                (
                    "A doctor or nurse will numb the skin and bone at the back of your hip "
                    "with a local anaesthetic, then take a small sample of liquid marrow"
                    + (" and a thin core of bone." if plan.biopsy else "."),
                    "It takes about 20 to 30 minutes. You may feel pressure and a brief "
                    "pulling pain.",
                ),
            ),
            SheetSection("Before you come", bullets=tuple(before)),
            SheetSection(
                "Please bring", bullets=("A list of your medicines and a contact phone number.",)
            ),
            SheetSection("", (f"If you have questions or cannot come, {call}.",)),
        ),
    )


def preparation_sheet(
    patient_name: str,
    plan: Plan,
    medications: Sequence[Medication] = (),
    creatinine_clearance_ml_min: float | None = None,
    *,
    zone: tzinfo = UTC,
    phone: str = "",
    policy: SafetyPolicy | None = None,
) -> str:
    """The sheet as plain text (see ``preparation``)."""
    return preparation(
        patient_name,
        plan,
        medications,
        creatinine_clearance_ml_min,
        zone=zone,
        phone=phone,
        policy=policy,
    ).as_text()
