"""The signed risk line read back for coding: only exact groups of known scores are coded.

The expectations are written from the papers' group names, not from the tables the
reader uses, so a table edit that renames a group shows here.
"""

from __future__ import annotations

import pytest

from marrowscope.domain.diagnosis.risk.signed import SignedRisk, signed_risks


def test_the_proposal_format_is_read_with_scores() -> None:
    line = "ELN 2022: Adverse; IPSS-R: Very High, score 6.5; IPSS-M: Moderate High, score 0.31"

    read = signed_risks(line)

    assert read.risks == (
        SignedRisk("ELN 2022", "Adverse", None),
        SignedRisk("IPSS-R", "Very High", 6.5),
        SignedRisk("IPSS-M", "Moderate High", 0.31),
    )
    assert read.unread == ()


@pytest.mark.parametrize(
    "part",
    [
        "IPSS-M: not settled",  # an open score is never coded as a group
        "IPSS-R: Moderate High",  # an IPSS-M group under IPSS-R's name
        "IPSS-R: high",  # a group is spelt as the paper spells it
        "IPSS-R: High, score about 5",
        "Overall: poor prognosis",
        "R-ISS: III",  # the stage is named with its system, as the engine names it
    ],
)
def test_anything_else_stays_text(part: str) -> None:
    read = signed_risks(f"R-ISS: R-ISS II; {part}")

    assert read.risks == (SignedRisk("R-ISS", "R-ISS II", None),)
    assert read.unread == (part,)


def test_every_myeloma_stage_and_r2iss_group_is_known() -> None:
    groups = [f"R2-ISS: R2-ISS {g}" for g in ("I", "II", "III", "IV")]
    line = "; ".join(["ISS: ISS III", "R-ISS: R-ISS I", *groups])

    assert len(signed_risks(line).risks) == 6


def test_an_empty_line_reads_as_nothing() -> None:
    assert signed_risks("  ;  ") == signed_risks("")
