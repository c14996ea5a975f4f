"""Classification metrics in plain numpy: per-class P/R/F1, macro F1, balanced accuracy, ECE.

Kept free of scikit-learn and torch so that evaluation runs wherever inference runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ClassMetrics",
    "Report",
    "bootstrap_interval",
    "confusion_matrix",
    "expected_calibration_error",
    "macro_f1_of",
    "report",
]


@dataclass(frozen=True, slots=True)
class ClassMetrics:
    """Precision, recall and F1 of one class, with its number of true samples."""

    code: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``marrowscope evaluate`` prints."""

    per_class: tuple[ClassMetrics, ...]
    accuracy: float
    macro_f1: float
    balanced_accuracy: float
    ece: float
    n: int


def confusion_matrix(
    truth: NDArray[np.int64], predicted: NDArray[np.int64], n_classes: int
) -> NDArray[np.int64]:
    """Counts with true classes in rows and predicted classes in columns."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def expected_calibration_error(
    confidence: NDArray[np.float64], correct: NDArray[np.bool_], n_bins: int = 15
) -> float:
    """Expected calibration error with equal-width confidence bins.

    The weighted mean gap between confidence and accuracy per bin; 0 means a stated
    90 % is right 90 % of the time.

    References
    ----------
    Guo C, Pleiss G, Sun Y, Weinberger KQ. On calibration of modern neural networks.
    ICML 2017, arXiv:1706.04599.
    """
    if confidence.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            gap = abs(float(correct[mask].mean()) - float(confidence[mask].mean()))
            ece += gap * float(mask.mean())
    return ece


_Floats = NDArray[np.float64]


def _per_class(matrix: NDArray[np.int64]) -> tuple[_Floats, _Floats, _Floats, NDArray[np.bool_]]:
    """Precision, recall, F1 per class, and which classes were true or predicted at all."""
    tp = np.diag(matrix).astype(np.float64)
    support = matrix.sum(axis=1)
    predicted_count = matrix.sum(axis=0)
    precision = np.divide(tp, predicted_count, out=np.zeros_like(tp), where=predicted_count > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return precision, recall, f1, (support > 0) | (predicted_count > 0)


def macro_f1_of(matrix: NDArray[np.int64]) -> float:
    """Macro F1 of a confusion matrix (classes neither true nor predicted left out)."""
    _, _, f1, present = _per_class(matrix)
    return float(f1[present].mean()) if present.any() else 0.0


def bootstrap_interval(
    statistic: Callable[[NDArray[np.int64]], float],
    n: int,
    rounds: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` over ``n`` cells resampled with replacement.

    A test split of two thousand cells measures macro F1 only to about +-0.013 (95 %):
    a figure without its interval invites reading noise as progress, or a missed target
    as a real gap. ``statistic`` receives the resampled row indices. The seed is fixed
    so that the printed interval is reproducible.

    References
    ----------
    Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall, 1993.
    """
    if n == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    values = np.array([statistic(rng.integers(0, n, n)) for _ in range(rounds)])
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return float(low), float(high)


def report(
    truth: NDArray[np.int64],
    probabilities: NDArray[np.float64],
    codes: tuple[str, ...],
) -> Report:
    """Metrics of predictions (arg-max of ``probabilities``) against ``truth``.

    Classes without true samples count in macro F1 only if they were predicted (then
    with F1 0), so a model is not rewarded for classes absent from the test set.
    """
    n_classes = len(codes)
    predicted = probabilities.argmax(axis=1).astype(np.int64)
    matrix = confusion_matrix(truth, predicted, n_classes)
    precision, recall, f1, _ = _per_class(matrix)
    support = matrix.sum(axis=1)
    per_class = tuple(
        ClassMetrics(codes[i], float(precision[i]), float(recall[i]), float(f1[i]), int(support[i]))
        for i in range(n_classes)
    )
    confidence = probabilities.max(axis=1).astype(np.float64)
    correct = predicted == truth
    return Report(
        per_class=per_class,
        accuracy=float(correct.mean()) if truth.size else 0.0,
        macro_f1=macro_f1_of(matrix),
        balanced_accuracy=float(recall[support > 0].mean()) if (support > 0).any() else 0.0,
        ece=expected_calibration_error(confidence, correct),
        n=int(truth.size),
    )
