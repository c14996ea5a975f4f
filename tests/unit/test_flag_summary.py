"""Threshold flags consolidated: one line per family, no suggestion from a single cell."""

from __future__ import annotations

from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.flag_summary import consolidate
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.counting.thresholds import FlagStatus, evaluate_thresholds

BLA, LYT, SNE = CellClass("BLA"), CellClass("LYT"), CellClass("NGS")


def test_blasts_at_20_7_percent_make_one_line_not_one_box_per_rule() -> None:
    """31 blasts of 150: WHO and ICC at 20 % met, the 10-19 % ranges near."""
    flags = evaluate_thresholds(CellCounts(((BLA, 31), (SNE, 119))))
    blast_flags = [f for f in flags if f.rule.topic == "blasts"]

    lines = [line for line in consolidate(flags) if line.topic == "blasts"]

    assert len(blast_flags) >= 5
    assert any(f.status is FlagStatus.NEAR for f in blast_flags)
    assert len(lines) == 1
    text = lines[0].text
    assert text.startswith("Blasts 20.7 % (95 % interval 15.0–27.8 %; 31 of 150 cells).")
    assert text.count("blast threshold of acute myeloid leukaemia") == 1  # WHO = ICC wording
    assert "(WHO 2022, ICC 2022)" in text
    assert "The interval also reaches: Marrow blasts 10-19 %" in text
    assert lines[0].threshold_percent == 20
    assert lines[0].cells_to_settle == 13653
    assert "About 13,653 more cells" in text


def test_one_blast_in_fifteen_cells_makes_no_genetic_suggestion() -> None:
    flags = evaluate_thresholds(CellCounts(((BLA, 1), (LYT, 14))))
    assert any("genetic" in f.rule.wording for f in flags)  # the raw rules would suggest it

    (line,) = [line for line in consolidate(flags) if line.topic == "blasts"]

    assert "genetic" not in line.text
    assert "consistent with" not in line.text
    assert "A single cell in a count of 15" in line.text


def test_one_blast_in_an_adequate_count_is_compared_as_usual() -> None:
    """At 500 cells a single cell is a measurement, not an accident of a small count."""
    flags = evaluate_thresholds(CellCounts(((BLA, 1), (SNE, 499))))

    assert all("A single cell" not in line.text for line in consolidate(flags))


def test_a_settled_family_says_nothing_about_more_cells() -> None:
    flags = evaluate_thresholds(CellCounts(((BLA, 250), (SNE, 250))))

    (line,) = [line for line in consolidate(flags) if line.topic == "blasts"]

    assert line.cells_to_settle is None
    assert "more cells" not in line.text
