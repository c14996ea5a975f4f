"""The drug rules of the safety check: anticoagulants and antiplatelets held long enough before
the procedure, and the drugs the check knows.

Every DOAC's hold depends on renal function (EHRA 2021 for the factor Xa inhibitors,
PAUSE 2019 for dabigatran), so a hold that needs a creatinine clearance the checklist
does not hold asks for it instead of assuming one. The hold of prophylactic LMWH is the
lab's policy (``SafetyPolicy``), named in the finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marrowscope.domain.pathway.safety.model import (
    Assessment,
    Plan,
    SafetyFinding,
    Severity,
)
from marrowscope.domain.pathway.safety.policy import SafetyPolicy
from marrowscope.domain.tables import load_table

__all__ = ["Hold", "drug_rules", "hold_for"]

_T = load_table("safety")


@dataclass(frozen=True, slots=True)
class Hold:
    """The hold a drug needs for this patient. ``hours`` None: no hold can be given,
    ``review`` says why (clearance missing, or below the lowest band)."""

    hours: float | None
    review: str = ""
    shortest: float = 0.0  # the shortest hold of any band (too soon whatever the kidneys)
    policy: str = ""  # the lab policy the hold comes from, in words


def _bands(row: dict[str, Any]) -> str:
    bands = [b for b in row["renal"] if "hold_hours" in b]
    return ", ".join(f"{b['hold_hours']:g} h at CrCl >= {b['crcl_min_ml_min']:g}" for b in bands)


def hold_for(
    key: str, crcl: float | None, policy: SafetyPolicy | None = None
) -> Hold:  # fmt: skip
    """The hold of drug ``key`` at clearance ``crcl`` (mL/min) under ``policy``."""
    row = _T["drugs"][key]
    policy = policy or SafetyPolicy()
    if "policy" in row:
        name = row["policy"]
        return Hold(float(getattr(policy, name)), policy=policy.words(name))
    if "renal" not in row:
        return Hold(float(row["hold_hours"]))
    finite = [float(b["hold_hours"]) for b in row["renal"] if "hold_hours" in b]
    if crcl is None:
        return Hold(
            None,
            f"the hold depends on creatinine clearance ({_bands(row)}) and none is recorded: "
            "record the clearance",
            min(finite),
        )
    for band in row["renal"]:
        if crcl >= band["crcl_min_ml_min"]:
            if "review" in band:
                return Hold(None, band["review"], min(finite))
            return Hold(float(band["hold_hours"]), shortest=min(finite))
    return Hold(None, "creatinine clearance below every band of the table", min(finite))


def _finding(
    key: str, severity: Severity, message: str, source: str, **details: Any
) -> SafetyFinding:
    return SafetyFinding(f"drug.{key}", severity, message, source, details)


def _one(key: str, row: dict[str, Any], since: float | None, hold: Hold) -> SafetyFinding:
    """One antithrombotic: its hold against the hours since its last dose."""
    source = row["source"] + (f"; {hold.policy}" if hold.policy else "")
    if hold.hours is None:
        if since is not None and since < hold.shortest:
            return _finding(
                key, Severity.STOP,
                f"{key}: last dose {since:.1f} h before the procedure, less than the shortest "
                f"hold of {hold.shortest:g} h whatever the renal function; postpone or discuss; "
                f"{hold.review}",
                source, hours_since_dose=round(since, 1), hold_hours=hold.shortest,
            )  # fmt: skip
        when = "time of last dose not recorded; " if since is None else ""
        return _finding(key, Severity.REVIEW, f"{key}: {when}{hold.review}", source)
    if hold.hours <= 0:
        said = f"{row['advice']}: not withheld" if hold.policy else row["advice"]
        return _finding(key, Severity.NOTE, said, source)
    if since is None:
        return _finding(
            key, Severity.REVIEW,
            f"{row['advice']}; hold {hold.hours:g} h; time of last dose not recorded", source,
        )  # fmt: skip
    if since < hold.hours:
        return _finding(
            key, Severity.STOP,
            f"{key}: last dose {since:.1f} h before the procedure, less than {hold.hours:g} h; "
            "postpone or discuss",
            source, hours_since_dose=round(since, 1), hold_hours=hold.hours,
        )  # fmt: skip
    return _finding(
        key, Severity.NOTE,
        f"{key}: last dose {since:.1f} h before, hold of {hold.hours:g} h met", source,
    )  # fmt: skip


def drug_rules(
    a: Assessment, plan: Plan, policy: SafetyPolicy | None = None
) -> tuple[list[SafetyFinding], bool]:
    """The findings of the antithrombotics, and whether warfarin is taken (the INR rule)."""
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
        on_warfarin = on_warfarin or key == "warfarin"
        since = (
            None
            if med.last_dose_at is None
            else (plan.planned_at - med.last_dose_at).total_seconds() / 3600
        )
        out.append(_one(key, row, since, hold_for(key, a.creatinine_clearance_ml_min, policy)))
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
