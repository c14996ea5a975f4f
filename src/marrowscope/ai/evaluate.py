"""Held-out evaluation of a shipped model: fine metrics, grouped accuracy, calibration.

Runs through :class:`~marrowscope.ai.infer.CellClassifier`, i.e. the very ONNX file,
decoder and calibration a lab would use, so the figures describe what ships.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from marrowscope.ai.calibrate import softmax
from marrowscope.ai.data import Sample
from marrowscope.ai.infer import CellClassifier
from marrowscope.ai.metrics import (
    Report,
    bootstrap_interval,
    confusion_matrix,
    macro_f1_of,
    report,
)
from marrowscope.domain.errors import InvalidImage, InvalidInput

__all__ = ["Evaluation", "evaluate_arrays", "evaluate_samples", "plot_confusion"]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Figures of one model on one set of labelled images."""

    fine: Report
    macro_f1_interval: tuple[float, float]  # 95 % bootstrap interval over the cells
    confusion: NDArray[np.int64]
    codes: tuple[str, ...]
    group_accuracy: float | None  # None when the model has no code -> group table
    group_accuracy_interval: tuple[float, float] | None
    group_n: int
    review_fraction: float
    accepted_accuracy: float
    unknown_codes: dict[str, int]  # true codes the model cannot output, with counts
    unreadable: int


def evaluate_arrays(
    classifier: CellClassifier,
    logits: NDArray[np.float32],
    distance: NDArray[np.float32],
    samples: Sequence[Sample],
) -> Evaluation:
    """Figures from raw model outputs for ``samples`` (one output row per sample)."""
    spec = classifier.spec
    index = {c: i for i, c in enumerate(spec.codes)}
    probabilities = softmax(logits, spec.temperature)
    predicted = probabilities.argmax(axis=1)
    fine_rows = [i for i, s in enumerate(samples) if not s.ambiguous and s.code in index]
    truth = np.array([index[samples[i].code] for i in fine_rows], dtype=np.int64)
    fine = report(truth, probabilities[fine_rows], spec.codes)
    fine_predicted = predicted[fine_rows].astype(np.int64)
    matrix = confusion_matrix(truth, fine_predicted, len(spec.codes))
    f1_interval = bootstrap_interval(
        lambda rows: macro_f1_of(confusion_matrix(truth[rows], fine_predicted[rows], len(index))),
        len(fine_rows),
    )
    group_accuracy: float | None = None
    group_interval: tuple[float, float] | None = None
    group_rows = [i for i, s in enumerate(samples) if s.code in index or s.ambiguous]
    if spec.code_groups and group_rows:
        hits = np.array(
            [spec.code_groups.get(spec.codes[predicted[i]]) == samples[i].group for i in group_rows]
        )
        group_accuracy = float(hits.mean())
        group_interval = bootstrap_interval(lambda rows: float(hits[rows].mean()), len(hits))
    confidence = probabilities.max(axis=1)
    review = (confidence < spec.review_threshold) | (distance > spec.ood_threshold)
    accepted = [i for i in fine_rows if not review[i]]
    accepted_correct = [predicted[i] == index[samples[i].code] for i in accepted]
    unknown: dict[str, int] = {}
    for s in samples:
        if s.code not in index and not s.ambiguous:
            unknown[s.code] = unknown.get(s.code, 0) + 1
    return Evaluation(
        fine=fine,
        macro_f1_interval=f1_interval,
        confusion=matrix,
        codes=spec.codes,
        group_accuracy=group_accuracy,
        group_accuracy_interval=group_interval,
        group_n=len(group_rows),
        review_fraction=float(review[fine_rows].mean()) if fine_rows else 0.0,
        accepted_accuracy=float(np.mean(accepted_correct)) if accepted_correct else 0.0,
        unknown_codes=unknown,
        unreadable=0,
    )


def evaluate_samples(classifier: CellClassifier, samples: Sequence[Sample]) -> Evaluation:
    """Decode ``samples`` as inference does, run the model and compute the figures."""
    if not samples:
        raise InvalidInput("no labelled images to evaluate")
    kept: list[Sample] = []
    pixels: list[NDArray[np.uint8]] = []
    unreadable = 0
    for sample in samples:
        try:
            pixels.append(classifier.decode(sample.path))
            kept.append(sample)
        except InvalidImage:
            unreadable += 1
    if not kept:
        raise InvalidInput("none of the labelled images could be read")
    stacked = np.stack(pixels)
    logits_parts, distance_parts = [], []
    for start in range(0, len(stacked), 256):
        logits, distance = classifier.run(stacked[start : start + 256])
        logits_parts.append(logits)
        distance_parts.append(distance)
    result = evaluate_arrays(
        classifier, np.concatenate(logits_parts), np.concatenate(distance_parts), kept
    )
    return replace(result, unreadable=unreadable)


def plot_confusion(matrix: NDArray[np.int64], codes: Sequence[str], path: Path, title: str) -> None:
    """Write a row-normalised confusion matrix with counts as a PNG (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros(matrix.shape), where=rows > 0)
    fig, ax = plt.subplots(figsize=(1 + 0.6 * len(codes), 0.8 + 0.55 * len(codes)), dpi=110)
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(codes)), codes, rotation=90)
    ax.set_yticks(range(len(codes)), codes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for i in range(len(codes)):
        for j in range(len(codes)):
            if matrix[i, j]:
                colour = "white" if share[i, j] > 0.5 else "black"
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7, color=colour)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
