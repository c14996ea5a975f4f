"""Temperature scaling and the review threshold, both fitted on the validation split.

A network's softmax is usually over-confident. One temperature ``T`` divides the
logits so that the stated confidence matches the observed accuracy on held-out
images; the review threshold is then the lowest calibrated confidence at which the
cells the model would accept are still right at least ``target_accuracy`` of the time.

References
----------
Guo C, Pleiss G, Sun Y, Weinberger KQ. On calibration of modern neural networks.
ICML 2017, arXiv:1706.04599.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["fit_temperature", "review_threshold", "softmax"]


def softmax(logits: NDArray[np.floating], temperature: float = 1.0) -> NDArray[np.float64]:
    """Row-wise softmax of ``logits / temperature`` in float64."""
    z = logits.astype(np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: NDArray[np.float64] = e / e.sum(axis=1, keepdims=True)
    return out


def _nll(logits: NDArray[np.floating], truth: NDArray[np.int64], temperature: float) -> float:
    p = softmax(logits, temperature)[np.arange(len(truth)), truth]
    return float(-np.log(np.clip(p, 1e-12, 1.0)).mean())


def fit_temperature(logits: NDArray[np.floating], truth: NDArray[np.int64]) -> float:
    """The temperature in [0.05, 20] minimising validation negative log-likelihood.

    A golden-section search on log T: the NLL is smooth and unimodal in T.
    """
    lo, hi = np.log(0.05), np.log(20.0)
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = _nll(logits, truth, float(np.exp(a))), _nll(logits, truth, float(np.exp(b)))
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = _nll(logits, truth, float(np.exp(a)))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = _nll(logits, truth, float(np.exp(b)))
    return float(np.exp((lo + hi) / 2))


def review_threshold(
    confidence: NDArray[np.float64], correct: NDArray[np.bool_], target_accuracy: float = 0.99
) -> float:
    """Lowest confidence ``t`` such that cells with confidence >= ``t`` are right often enough.

    Returns 1.0 (review everything) when no threshold reaches ``target_accuracy``.
    """
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.nonzero(running >= target_accuracy)[0]
    if ok.size == 0:
        return 1.0
    # the longest prefix (most cells accepted) whose accuracy still meets the target
    return float(confidence[order][ok[-1]])
