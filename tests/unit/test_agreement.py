"""Model-reviewer agreement, checked against scikit-learn-free hand computations."""

from __future__ import annotations

import random

import pytest

from marrowscope.domain.ai_review import agreement_of


def test_kappa_of_a_textbook_table() -> None:
    # Two raters, yes/no: 20 yes-yes, 5 yes-no, 10 no-yes, 15 no-no (Wikipedia's example):
    # p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    result = agreement_of(pairs)
    assert result.overall == pytest.approx(0.7)
    assert result.kappa == pytest.approx(0.4)
    yes = next(c for c in result.classes if c.code == "y")
    assert yes.ppa == pytest.approx(20 / 30)  # of 30 the person called yes, model had 20
    assert yes.npa == pytest.approx(15 / 20)


def test_kappa_agrees_with_a_direct_confusion_matrix_computation() -> None:
    rng = random.Random(4)
    codes = ["NGS", "LYT", "MON", "EOS"]
    pairs = []
    for _ in range(400):
        truth = rng.choice(codes)
        pairs.append((truth if rng.random() < 0.8 else rng.choice(codes), truth))
    index = {c: i for i, c in enumerate(codes)}
    matrix = [[0] * 4 for _ in codes]
    for model, person in pairs:
        matrix[index[model]][index[person]] += 1
    n = len(pairs)
    p_o = sum(matrix[i][i] for i in range(4)) / n
    rows = [sum(r) for r in matrix]
    cols = [sum(matrix[i][j] for i in range(4)) for j in range(4)]
    p_e = sum(rows[i] * cols[i] for i in range(4)) / n**2
    assert agreement_of(pairs).kappa == pytest.approx((p_o - p_e) / (1 - p_e))


def test_perfect_and_empty() -> None:
    assert agreement_of([("NGS", "NGS"), ("LYT", "LYT")]).kappa == pytest.approx(1.0)
    assert agreement_of([("NGS", "NGS")]).kappa is None
    empty = agreement_of([])
    assert empty.pairs == 0 and empty.overall is None
