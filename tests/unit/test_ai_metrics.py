"""Metrics and calibration of the cell classifier (numpy only, no model needed)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from marrowscope.ai.calibrate import fit_temperature, review_threshold, softmax
from marrowscope.ai.metrics import (
    bootstrap_interval,
    confusion_matrix,
    expected_calibration_error,
    macro_f1_of,
    report,
)

CODES = ("A", "B", "C")


def test_perfect_predictions_score_one_everywhere() -> None:
    """Arg-max equal to the truth gives precision, recall, F1 and balanced accuracy of 1."""
    truth = np.array([0, 1, 2, 2, 1], dtype=np.int64)
    probabilities = np.eye(3)[truth]

    result = report(truth, probabilities, CODES)

    assert result.macro_f1 == 1.0
    assert result.balanced_accuracy == 1.0
    assert all(m.f1 == 1.0 for m in result.per_class)
    assert result.ece == 0.0


def test_macro_f1_weighs_a_rare_class_like_a_common_one() -> None:
    """Missing every sample of a rare class halves nothing in accuracy but costs a third of F1."""
    truth = np.array([0] * 98 + [1, 2], dtype=np.int64)
    predicted = np.array([0] * 98 + [0, 2], dtype=np.int64)

    result = report(truth, np.eye(3)[predicted], CODES)

    assert result.accuracy == 0.99
    assert result.per_class[1].f1 == 0.0
    assert abs(result.macro_f1 - (2 * 98 / 197 + 0 + 1) / 3) < 1e-9
    assert abs(result.balanced_accuracy - 2 / 3) < 1e-9


def test_confusion_matrix_puts_truth_in_rows() -> None:
    """Row = true class, column = predicted class."""
    matrix = confusion_matrix(np.array([0, 0, 1]), np.array([1, 0, 1]), 2)

    assert matrix.tolist() == [[1, 1], [0, 1]]


def test_overconfidence_shows_as_calibration_error() -> None:
    """Always saying 100 % while right half the time is an ECE of 0.5."""
    confidence = np.ones(10)
    correct = np.array([True, False] * 5)

    assert abs(expected_calibration_error(confidence, correct) - 0.5) < 1e-12


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=0.4, max_value=4.0), st.integers(min_value=0, max_value=10_000))
def test_temperature_fit_recovers_the_temperature_that_made_the_labels(
    true_temperature: float, seed: int
) -> None:
    """Labels drawn from softmax(z / T) give back T within 20 % on 4,000 samples."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, size=(4000, 5))
    probabilities = softmax(logits, true_temperature)
    truth = np.array([rng.choice(5, p=p) for p in probabilities], dtype=np.int64)

    fitted = fit_temperature(logits, truth)

    assert abs(fitted / true_temperature - 1) < 0.2


def test_review_threshold_keeps_the_accepted_cells_right_often_enough() -> None:
    """Cells at or above the threshold reach the target accuracy; one step lower they do not."""
    confidence = np.array([0.99, 0.98, 0.97, 0.96, 0.6, 0.5])
    correct = np.array([True, True, True, True, False, True])

    threshold = review_threshold(confidence, correct, target_accuracy=0.99)

    assert threshold == 0.96
    accepted = confidence >= threshold
    assert correct[accepted].mean() >= 0.99


def test_review_threshold_is_one_when_the_target_is_out_of_reach() -> None:
    """If even the most confident cell is wrong, everything goes to review."""
    threshold = review_threshold(np.array([0.9, 0.8]), np.array([False, True]), 0.99)

    assert threshold == 1.0


def test_bootstrap_interval_brackets_the_estimate_and_narrows_with_more_cells() -> None:
    """Four times the cells, about half the width: the interval measures sampling noise."""
    rng = np.random.default_rng(3)

    def width_and_hit(n: int) -> tuple[float, bool]:
        truth = rng.integers(0, 4, n)
        predicted = np.where(rng.random(n) < 0.8, truth, rng.integers(0, 4, n))
        point = macro_f1_of(confusion_matrix(truth, predicted, 4))
        low, high = bootstrap_interval(
            lambda rows: macro_f1_of(confusion_matrix(truth[rows], predicted[rows], 4)), n
        )
        return high - low, low <= point <= high

    small, small_hit = width_and_hit(500)
    large, large_hit = width_and_hit(2000)

    assert small_hit and large_hit
    assert 0.35 < large / small < 0.7


def test_bootstrap_interval_of_a_perfect_model_is_a_point() -> None:
    """No errors in any resample: nothing to be uncertain about."""
    truth = np.arange(100) % 5
    low, high = bootstrap_interval(
        lambda rows: macro_f1_of(confusion_matrix(truth[rows], truth[rows], 5)), 100
    )
    assert low == high == 1.0
