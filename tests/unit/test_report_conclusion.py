"""What an EHR receives as the conclusion: the words, then the signed classification lines."""

from __future__ import annotations

from marrowscope.domain.reporting.conclusion import exported_conclusion


def test_signed_lines_follow_the_conclusion_in_a_fixed_order() -> None:
    fields = {
        "conclusion": "Hypercellular marrow with 8 % blasts.",
        "risk_scores": "IPSS-R: High, score 5",
        "who_2022": "MDS-IB1.",
        "icc_2022": "MDS-EB",
    }
    text = exported_conclusion(lambda key: fields.get(key, ""))
    assert text == (
        "Hypercellular marrow with 8 % blasts. WHO 2022: MDS-IB1. ICC 2022: MDS-EB. "
        "Risk: IPSS-R: High, score 5."
    )


def test_a_conclusion_alone_is_sent_unchanged() -> None:
    assert exported_conclusion(lambda key: "Normal marrow." if key == "conclusion" else "") == (
        "Normal marrow."
    )
