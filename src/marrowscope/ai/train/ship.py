"""Turn a finished run into a shippable model: ONNX file, sidecar, split, figures.

Steps, all from the run directory: export the graph (``graph.py``: the best EMA
checkpoint with its out-of-distribution head, or an ensemble's members averaged), fit
the temperature and the review threshold on the validation split, set the
out-of-distribution threshold at a high quantile of the validation distances, then
measure the test split through ONNX Runtime exactly as inference will, and write
everything into the sidecar.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from marrowscope.ai.calibrate import fit_temperature, review_threshold, softmax
from marrowscope.ai.data import Sample, fine_samples
from marrowscope.ai.evaluate import evaluate_arrays, plot_confusion
from marrowscope.ai.infer import CellClassifier
from marrowscope.ai.metrics import report
from marrowscope.ai.sidecar import ModelSpec
from marrowscope.ai.split import save_split
from marrowscope.ai.train.cache import run_pixels
from marrowscope.ai.train.config import TrainConfig
from marrowscope.ai.train.export import export_onnx
from marrowscope.ai.train.graph import ensemble_graph, single_graph
from marrowscope.ai.train.quantize import quantize_int8
from marrowscope.ai.train.stain_calibration import profile_for_run
from marrowscope.domain.counting.taxonomy import all_classes

__all__ = ["OOD_QUANTILE", "TARGET_ACCEPTED_ACCURACY", "ship_run"]

TARGET_ACCEPTED_ACCURACY = 0.99  # cells left unflagged must be right this often (validation)
OOD_QUANTILE = 0.995  # validation cells beyond this distance are flagged as unlike training

_PBC_SOURCE = {
    "name": "Acevedo et al. 2020 peripheral blood cell images (PBC)",
    "citation": (
        "Acevedo A, Merino A, Alferez S, Molina A, Boldu L, Rodellar J. A dataset of "
        "microscopic peripheral blood cell images for development of automatic recognition "
        "systems. Data in Brief 30 (2020) 105474. doi:10.1016/j.dib.2020.105474"
    ),
    "data_doi": "10.17632/snkd93bnjr.1",
    "licence": "CC BY 4.0 (attribution required); the images are not redistributed here",
}

_MATEK_SOURCE = {
    "name": "Matek et al. 2021 bone marrow cytomorphology (TCIA)",
    "citation": (
        "Matek C, Krappe S, Muenzenmayer C, Haferlach T, Marr C. Highly accurate "
        "differentiation of bone marrow cell morphologies using deep neural networks on a "
        "large image data set. Blood 138 (2021) 1917-1927. doi:10.1182/blood.2020010568"
    ),
    "data_doi": "10.7937/TCIA.AXH3-T579",
    "licence": "CC BY 4.0 (attribution required)",
}


def _sources(config: TrainConfig) -> list[dict[str, str]]:
    """Citation of the training data, by layout; a generic folder names only itself."""
    if config.layout == "pbc":
        return [_PBC_SOURCE]
    if config.layout == "matek":
        return [_MATEK_SOURCE]
    return [{"name": f"folder-per-class set at {config.data_root}", "licence": "see its owner"}]


_LIMITS = (
    "Trained only on peripheral blood of healthy people (Acevedo 2020, CellaVision DM96, "
    "May-Gruenwald-Giemsa). It cannot recognise blasts, plasma cells, megakaryocytes, "
    "abnormal or malignant cells or any class not in 'codes': such a cell is still given "
    "one of its own codes, usually flagged for review. Never use it to count classes it "
    "cannot output; a person decides every flagged cell."
)


def _groups(samples: list[Sample]) -> dict[str, str]:
    """Majority source group of each code (e.g. PMO, MYB, MMZ -> ig)."""
    votes: dict[str, Counter[str]] = {}
    for s in samples:
        votes.setdefault(s.code, Counter())[s.group] += 1
    return {code: c.most_common(1)[0][0] for code, c in sorted(votes.items())}


def ship_run(config: TrainConfig, seed: int, out_dir: Path | None = None) -> ModelSpec:
    """Export, calibrate and measure the run of ``config``; copy to ``out_dir`` if given.

    An ensemble config (``members``) ships its finished members as one averaged graph.
    """
    graph = ensemble_graph(config) if config.members else single_graph(config)
    config = graph.config
    run_dir = config.run_dir
    codes, split = graph.codes, graph.split
    index = {c: i for i, c in enumerate(codes)}
    onnx_path = run_dir / f"{config.name}.onnx"
    if config.quantize:
        float_path = run_dir / f"{config.name}.float32.onnx"
        export_onnx(graph.head, config.input_size, float_path)
        x_train = run_pixels(fine_samples(split.train), config)
        picks = np.random.default_rng(seed).choice(
            len(x_train), min(config.calibration_images, len(x_train)), replace=False
        )
        quantize_int8(
            float_path, onnx_path, x_train[np.sort(picks)], list(graph.mean), list(graph.std)
        )
    else:
        export_onnx(graph.head, config.input_size, onnx_path)

    known = set(codes)
    spec = ModelSpec(
        name=config.name,
        onnx_file=onnx_path.name,
        input_size=config.input_size,
        crop_fraction=config.crop_fraction,
        mean=graph.mean,
        std=graph.std,
        codes=codes,
        temperature=1.0,
        review_threshold=0.0,
        ood_threshold=float("inf"),
        code_groups=_groups(split.train),
        cannot_recognise=tuple(c.code.value for c in all_classes() if c.code.value not in known),
        limits=_LIMITS,
    )
    sidecar = run_dir / f"{config.name}.json"
    spec.save(sidecar)
    classifier = CellClassifier(sidecar, threads=config.threads)

    val_samples = fine_samples(split.val)
    x_val = run_pixels(val_samples, config)
    y_val = np.array([index[s.code] for s in val_samples], dtype=np.int64)
    val_logits, val_distance = classifier.run(x_val)
    temperature = fit_temperature(val_logits, y_val)
    p_val = softmax(val_logits, temperature)
    threshold = review_threshold(
        p_val.max(axis=1), p_val.argmax(axis=1) == y_val, TARGET_ACCEPTED_ACCURACY
    )
    ood = float(np.quantile(val_distance, OOD_QUANTILE))
    val_ece = (
        report(y_val, softmax(val_logits), codes).ece,
        report(y_val, p_val, codes).ece,
    )
    # the training images' colours: another laboratory's stain is flagged (ai.stain_profile)
    train_samples = fine_samples(split.train)
    stain = profile_for_run(
        train_samples, run_pixels(train_samples, config), x_val, config.data_root
    )
    spec = replace(
        spec,
        temperature=temperature,
        review_threshold=threshold,
        ood_threshold=ood,
        stain_profile=stain,
    )
    spec.save(sidecar)
    classifier = CellClassifier(sidecar, threads=config.threads)

    test_samples = list(split.test)
    x_test = run_pixels(test_samples, config)
    test_logits, test_distance = classifier.run(x_test)
    evaluation = evaluate_arrays(classifier, test_logits, test_distance, test_samples)
    plot_confusion(
        evaluation.confusion,
        codes,
        run_dir / f"{config.name}.confusion.png",
        f"{config.name}: test split (n={evaluation.fine.n})",
    )
    root = config.data_root
    split_file = f"{config.name}.split.csv"
    save_split(split, run_dir / split_file, root=root)
    info: dict[str, Any] = {
        "architecture": graph.architecture,
        "parameters": graph.parameters,
        "macs": graph.macs,
        "tta_views": config.tta_views,
        "weights": "int8 convolutions (post-training, per-channel)"
        if config.quantize
        else "float32",
        "outputs": {
            "logits": "one per code, divide by temperature then softmax",
            "ood_distance": "Mahalanobis distance of features to the nearest class mean",
        },
        "review_rule": (
            f"review when calibrated confidence < review_threshold (accepted validation cells "
            f">= {TARGET_ACCEPTED_ACCURACY:.0%} right) or ood_distance > ood_threshold "
            f"({OOD_QUANTILE:.1%} quantile of validation distances) or stain_distance > "
            "1 (the nearest stain_profile component's bound: colours unlike the training data's)"
        ),
        "data": {
            "sources": _sources(config),
            "layout": config.layout,
            "excluded_labels": "IG and NEUTROPHIL (group-only labels): not fine targets; "
            "kept in the split and scored for grouped accuracy",
        },
        "split": {
            "file": split_file,
            "seed": seed,
            "paths_relative_to": "the PBC folder (../shared/data/pbc)",
            "counts": {name: len(getattr(split, name)) for name in ("train", "val", "test")},
        },
        "metrics": {
            "val_macro_f1": report(y_val, p_val, codes).macro_f1,
            "test_macro_f1": evaluation.fine.macro_f1,
            "test_macro_f1_95ci": list(evaluation.macro_f1_interval),
            "test_accuracy": evaluation.fine.accuracy,
            "test_balanced_accuracy": evaluation.fine.balanced_accuracy,
            "test_ece": evaluation.fine.ece,
            "test_group_accuracy": evaluation.group_accuracy,
            "test_group_accuracy_95ci": list(evaluation.group_accuracy_interval or ()),
            "test_group_n": evaluation.group_n,
            "test_fine_n": evaluation.fine.n,
            "test_review_fraction": evaluation.review_fraction,
            "test_accepted_accuracy": evaluation.accepted_accuracy,
            "val_ece_before_temperature": val_ece[0],
            "val_ece_after_temperature": val_ece[1],
            "per_class": {
                m.code: {
                    "precision": round(m.precision, 4),
                    "recall": round(m.recall, 4),
                    "f1": round(m.f1, 4),
                    "support": m.support,
                }
                for m in evaluation.fine.per_class
            },
        },
        "training": {
            "command": f"marrowscope train --config configs/{config.name}.toml --seed {seed}",
            "epochs": graph.epochs,
            "init_seed": config.init_seed,
            "best_epoch": graph.best_epoch,
            "input_size": config.input_size,
            "crop_fraction": config.crop_fraction,
            "exported": datetime.now(UTC).strftime("%Y-%m-%d"),
        },
        "licence": "model weights: Apache-2.0 (as marrowscope); training data: CC BY 4.0, "
        "see data.sources",
    }
    spec = replace(spec, info=info)
    spec.save(sidecar)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in (onnx_path.name, sidecar.name, split_file):
            shutil.copyfile(run_dir / name, out_dir / name)
    return spec
