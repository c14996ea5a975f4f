"""Who may open which case: staff see their own ward's or laboratory's cases; anyone else
needs break-glass, a stated reason that opens one case for a while and is reviewed.

The rule, by role (``may_see``):

- clinician, proceduralist, nurse: cases whose ordering ward is one of their units;
- lab scientist, morphologist, pathologist, lab manager: cases of a laboratory among
  their units.
  This installation has one laboratory (``AccessPolicy.lab_unit``), which performs every
  case, so each laboratory account holding that unit sees every case;
- admin: no patient data at all without break-glass (an admin runs accounts, not care);
- patient: their own cases only, decided by ``patient_id`` elsewhere, as before;
- an actor without units (``Actor.units is None``) is a process of this installation,
  not a person at a page (see ``domain.roles.Actor``), and is not scoped.

A member of staff with no unit sees nothing without break-glass: a new account starts
closed, never open. Scoping narrows what a role admits; it never widens it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from marrowscope.domain.cases.model import Case
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Actor, Role

__all__ = [
    "CLINICAL_SIDE",
    "LAB_SIDE",
    "REASON_MAX_CHARS",
    "REASON_MIN_CHARS",
    "REASON_MIN_WORDS",
    "UNIT_MAX_CHARS",
    "AccessPolicy",
    "BreakGlassGrant",
    "clean_reason",
    "clean_unit",
    "clean_units",
    "may_see",
    "parse_ward_map",
    "visible_wards",
]

CLINICAL_SIDE = frozenset({Role.CLINICIAN, Role.PROCEDURALIST, Role.NURSE})
LAB_SIDE = frozenset({Role.LAB_SCIENTIST, Role.MORPHOLOGIST, Role.PATHOLOGIST, Role.LAB_MANAGER})

# A reason someone else can judge afterwards: "emergency" or "covering" says nothing, "covering
# ward 7 overnight, patient deteriorating" does. Length and words are a floor, not a check of
# truth; the review of every grant is what keeps reasons honest.
REASON_MIN_CHARS = 20
REASON_MIN_WORDS = 3
REASON_MAX_CHARS = 500
UNIT_MAX_CHARS = 40


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """This installation's settings for scoping (``Settings``: ``lab_unit``,
    ``default_ward``, ``break_glass_minutes``, ``case_scoping``)."""

    lab_unit: str = "LAB"
    default_ward: str = "HAEM"  # the ward of a case opened without one (interfaces, CLI)
    break_glass_minutes: int = 60
    scoping: bool = True  # False: every role sees every case its pages admit (as before)
    # an EHR's location codes that are not our unit names, as (code, unit) pairs
    ehr_wards: tuple[tuple[str, str], ...] = ()

    def ward_for_location(self, code: str) -> str:
        """The ward of an order the EHR placed from location ``code`` (HL7 PV1-3.1, a FHIR
        Location); "" when it names none we can use, and the case then gets the default.

        A code in ``ehr_wards`` is mapped; any other that is a valid unit name is taken as
        it is, so a site whose EHR already uses our names needs no table. A code that cannot
        be a unit ("3W/ICU") goes to the default ward rather than refuse a clinical order.
        """
        key = " ".join(code.split()).upper()
        if not key:
            return ""
        for ehr_code, unit in self.ehr_wards:
            if ehr_code == key:
                return unit
        try:
            return clean_unit(key)
        except InvalidInput:
            return ""

    def expiry(self, granted_at: datetime) -> datetime:
        """When a grant given at ``granted_at`` stops opening its case."""
        return granted_at + timedelta(minutes=self.break_glass_minutes)


@dataclass(frozen=True, slots=True)
class BreakGlassGrant:
    """One person's time-limited access to one case, with the reason they gave."""

    id: int
    username: str
    role: Role
    case_id: int
    reason: str
    granted_at: datetime
    expires_at: datetime

    def opens(self, actor: Actor, case_id: int, now: datetime) -> bool:
        """Whether this grant lets ``actor`` open ``case_id`` at ``now``: the same person,
        the same case, not yet expired (the end itself is already too late)."""
        return (
            self.username == actor.username
            and self.case_id == case_id
            and self.granted_at <= now < self.expires_at
        )


def may_see(actor: Actor, case: Case, policy: AccessPolicy) -> bool:
    """Whether ``actor`` may open ``case`` without break-glass (patients: see module doc)."""
    if actor.role is Role.PATIENT:
        return actor.patient_id is not None and actor.patient_id == case.patient_id
    if actor.units is None or not policy.scoping:
        return True
    if actor.role in CLINICAL_SIDE:
        return case.ward in actor.units
    if actor.role in LAB_SIDE:
        return policy.lab_unit in actor.units
    return False


def visible_wards(actor: Actor, policy: AccessPolicy) -> frozenset[str] | None:
    """The wards whose cases ``actor`` may list without break-glass; None: every ward.

    The same rule as :func:`may_see`, for lists filtered in the database (patients' own
    lists are filtered by patient, not here).
    """
    if actor.units is None or not policy.scoping:
        return None
    if actor.role in CLINICAL_SIDE:
        return actor.units
    if actor.role in LAB_SIDE and policy.lab_unit in actor.units:
        return None
    return frozenset()


def clean_unit(text: str) -> str:
    """A ward or laboratory name as stored: trimmed, upper case, 1-40 letters, digits,
    spaces or '-' (so "Ward 7a" and "WARD 7A " are one unit)."""
    cleaned = " ".join(text.split()).upper()
    if not cleaned or len(cleaned) > UNIT_MAX_CHARS:
        raise InvalidInput(f"units: each 1-{UNIT_MAX_CHARS} characters")
    if not all(c.isalnum() or c in " -" for c in cleaned):
        raise InvalidInput(f"units: {cleaned!r} may hold only letters, digits, spaces and '-'")
    return cleaned


def clean_units(texts: Iterable[str]) -> frozenset[str]:
    """Several units cleaned (duplicates after cleaning count once)."""
    return frozenset(clean_unit(t) for t in texts)


def clean_reason(text: str) -> str:
    """A break-glass reason that says something: at least 20 characters and 3 words."""
    cleaned = " ".join(text.split())
    words = [w for w in cleaned.split(" ") if any(c.isalnum() for c in w)]
    if len(cleaned) < REASON_MIN_CHARS or len(words) < REASON_MIN_WORDS:
        raise InvalidInput(
            f"reason: say why you need this case, in at least {REASON_MIN_WORDS} words and "
            f"{REASON_MIN_CHARS} characters (for example: covering ward 7 tonight, patient "
            "bleeding after the biopsy)"
        )
    if len(cleaned) > REASON_MAX_CHARS:
        raise InvalidInput(f"reason: at most {REASON_MAX_CHARS} characters")
    return cleaned


def parse_ward_map(text: str) -> tuple[tuple[str, str], ...]:
    """``"3W=WARD 3W, HEMONC=HAEM"`` as (code, unit) pairs: codes compared upper case,
    units cleaned as stored; an empty text is no table."""
    pairs = []
    for item in (i for i in text.split(",") if i.strip()):
        code, sep, unit = item.partition("=")
        key = " ".join(code.split()).upper()
        if not sep or not key:
            raise InvalidInput(f"ehr_ward_map: {item.strip()!r} is not CODE=UNIT")
        pairs.append((key, clean_unit(unit)))
    return tuple(pairs)
