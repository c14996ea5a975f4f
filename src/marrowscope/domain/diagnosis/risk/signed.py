"""The risk groups a pathologist signed, read back from the report's risk line.

The report's risk field is text the pathologist may edit before signing; a hospital
system needs the signed groups as coded results. Only what was signed may go out, so the
signed text is read back rather than the scores recomputed. It is read with a grammar,
not guessed: ``SYSTEM: CATEGORY[, score NUMBER]`` items separated by ``;``, where SYSTEM
is one of the scores this package computes and CATEGORY one of that score's own groups
(taken from the same tables the engines use). Anything else the pathologist wrote is
returned as unread text: it still travels in the conclusion, but is never coded, and
"not settled" is never coded as a group.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from marrowscope.domain.diagnosis.risk.eln2022 import ADVERSE, FAVORABLE, INTERMEDIATE
from marrowscope.domain.diagnosis.risk.eln2022 import SYSTEM as ELN_SYSTEM
from marrowscope.domain.tables import load_table

__all__ = ["SignedRisk", "SignedRisks", "risk_groups", "signed_risks"]


@dataclass(frozen=True, slots=True)
class SignedRisk:
    """One signed risk group: the score's name, its group and, when signed, the score."""

    system: str
    category: str
    score: float | None


@dataclass(frozen=True, slots=True)
class SignedRisks:
    """The risk line as read: the coded groups and the parts that are free text."""

    risks: tuple[SignedRisk, ...]
    unread: tuple[str, ...]


@cache
def risk_groups() -> dict[str, tuple[str, ...]]:
    """Each score's groups, in increasing risk, from the tables the engines use."""
    ipssr = tuple(str(b["name"]) for b in load_table("ipssr")["categories"]["bands"])
    ipssm = tuple(str(c) for c in load_table("ipssm")["model"]["categories"])
    r2iss = tuple(str(g["name"]) for g in load_table("myeloma")["r2iss"]["groups"])
    return {
        ELN_SYSTEM: (FAVORABLE, INTERMEDIATE, ADVERSE),
        "IPSS-R": ipssr,
        "IPSS-RA": ipssr,
        "IPSS-M": ipssm,
        # the staging engines name their stages with the system's prefix (myeloma_staging)
        "ISS": ("ISS I", "ISS II", "ISS III"),
        "R-ISS": ("R-ISS I", "R-ISS II", "R-ISS III"),
        "R2-ISS": r2iss,
    }


def _score(text: str) -> float | None:
    """The number of ``score N``; None when the part is not exactly that."""
    words = text.split()
    if len(words) != 2 or words[0].lower() != "score":
        return None
    try:
        return float(words[1])
    except ValueError:
        return None


def _item(text: str) -> SignedRisk | None:
    system, sep, rest = text.partition(":")
    groups = risk_groups().get(system.strip())
    if not sep or groups is None:
        return None
    category, comma, tail = rest.strip().partition(",")
    category = category.strip().rstrip(".")
    if category not in groups:
        return None
    score = None
    if comma:
        score = _score(tail.strip().rstrip("."))
        if score is None:
            return None
    return SignedRisk(system.strip(), category, score)


def signed_risks(text: str) -> SignedRisks:
    """The groups of a signed risk line; every part that is not one stays text."""
    risks: list[SignedRisk] = []
    unread: list[str] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        item = _item(part)
        if item is None:
            unread.append(part)
        else:
            risks.append(item)
    return SignedRisks(tuple(risks), tuple(unread))
