"""``marrowscope train | evaluate | classify``: the cell classifier from the command line.

``classify`` exits 0 when at least one image was classified (unreadable files get a
per-file error row and a message on stderr), 1 when none could be read, 2 on a usage
or model error, so a script can tell a bad batch from a bad file.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from marrowscope.cli._common import fail
from marrowscope.cli.review_words import review_lines
from marrowscope.config import get_settings
from marrowscope.domain.errors import MarrowscopeError

__all__ = ["register"]

_LIMITS_NOTE = (
    "note: model trained on healthy peripheral blood; it cannot recognise blasts, plasma "
    "cells or other marrow-only classes. Cells with review=true need a person's decision."
)


def train(
    config: Annotated[Path, typer.Option("--config", help="TOML file under configs/")],
    seed: Annotated[int, typer.Option(help="seed of the split, the init and the batches")] = 7,
    fresh: Annotated[bool, typer.Option(help="ignore checkpoints and start over")] = False,
    ship_to: Annotated[
        Path | None, typer.Option(help="copy the exported model, sidecar and split here")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="override the config's epochs")] = None,
    max_batches: Annotated[
        int | None, typer.Option(help="cap batches per epoch (smoke runs)")
    ] = None,
    run_dir: Annotated[Path | None, typer.Option(help="override the config's run_dir")] = None,
    from_reviews: Annotated[
        Path | None,
        typer.Option(help="reviewed cells (export reviewed-cells): retrain, promote if not worse"),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="sidecar to beat with --from-reviews (default: shipped)")
    ] = None,
) -> None:
    r"""Train (or resume) a classifier, then export, calibrate and test it.

    Needs the training extra: pip install 'marrowscope\[train]'.
    """
    try:
        from marrowscope.ai.train.config import load_config
    except ModuleNotFoundError as error:  # torch/tqdm missing
        typer.echo(f"error: training needs pip install '.[train]' ({error})", err=True)
        raise typer.Exit(2) from None
    try:
        from marrowscope.ai.train.loop import train as run_training
        from marrowscope.ai.train.ship import ship_run

        overrides: dict[str, object] = {}
        if epochs is not None:
            overrides["epochs"] = epochs
        if max_batches is not None:
            overrides["max_batches"] = max_batches
        if run_dir is not None:
            overrides["run_dir"] = run_dir
        cfg = load_config(config, overrides)
        if from_reviews is not None:
            _learn_from_reviews(cfg, seed, from_reviews, baseline, ship_to)
            return
        # an ensemble trains (or resumes) each member run, then ships their average
        # (their own run_dir: an override names the ensemble's)
        member_overrides = {k: v for k, v in overrides.items() if k != "run_dir"}
        runs = [load_config(m, member_overrides) for m in cfg.members] if cfg.members else [cfg]
        for run in runs:
            result = run_training(run, seed, fresh=fresh)
            typer.echo(f"run: {result.run_dir}  best val macro F1 {result.best_val_macro_f1:.4f}")
        spec = ship_run(cfg, seed, ship_to)
    except ModuleNotFoundError as error:
        typer.echo(f"error: training needs pip install '.[train]' ({error})", err=True)
        raise typer.Exit(2) from None
    except MarrowscopeError as error:
        raise fail(error) from None
    metrics = spec.info.get("metrics", {})
    typer.echo(
        f"{spec.name}: val macro F1 {metrics.get('val_macro_f1', 0):.4f}  "
        f"test macro F1 {metrics.get('test_macro_f1', 0):.4f}  "
        f"grouped accuracy {metrics.get('test_group_accuracy') or 0:.4f}  "
        f"temperature {spec.temperature:.3f}  review below {spec.review_threshold:.3f}"
    )


def _learn_from_reviews(
    cfg: object, seed: int, reviews: Path, baseline: Path | None, ship_to: Path | None
) -> None:
    """``train --from-reviews``: the candidate, the fixed-test comparison and the decision."""
    from marrowscope.ai.infer import default_model_path
    from marrowscope.ai.train.config import TrainConfig
    from marrowscope.ai.train.from_reviews import retrain_from_reviews

    assert isinstance(cfg, TrainConfig)
    sidecar = baseline or default_model_path(get_settings().model_dir)
    decision = retrain_from_reviews(cfg, seed, reviews, sidecar, ship_to)
    typer.echo(f"rule: {decision.rule}")
    typer.echo(f"added {decision.added_cells} reviewed cell(s) to the training split")
    if decision.unlearnable_cells:
        shown = ", ".join(f"{c}={n}" for c, n in sorted(decision.unlearnable_cells.items()))
        typer.echo(f"not learnable by this model (no such output): {shown}")
    for name, figures in (("baseline", decision.baseline), ("candidate", decision.candidate)):
        typer.echo(
            f"{name:<10} test macro F1 {figures['test_macro_f1']}  "
            f"grouped accuracy {figures['test_group_accuracy']}"
        )
    verdict = (
        "PROMOTED"
        if decision.promoted
        else "NOT promoted (not better on the fixed test set; a tie is not an improvement)"
    )
    typer.echo(verdict + (f" -> {ship_to}" if decision.promoted and ship_to else ""))


def evaluate(
    model: Annotated[
        Path | None, typer.Option(help="model sidecar .json (default: shipped)")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="data folder (default: <shared data>/pbc)")
    ] = None,
    layout: Annotated[str, typer.Option(help="pbc, matek or folders")] = "pbc",
    split: Annotated[
        str, typer.Option(help="test, val or train of the model's split; all = every image")
    ] = "test",
    confusion: Annotated[Path | None, typer.Option(help="confusion-matrix PNG")] = None,
) -> None:
    """Per-class precision/recall/F1, macro F1, balanced accuracy and calibration error."""
    from marrowscope.ai.data import load_dataset
    from marrowscope.ai.evaluate import evaluate_samples, plot_confusion
    from marrowscope.ai.infer import CellClassifier, default_model_path
    from marrowscope.ai.split import load_split

    try:
        sidecar = model or default_model_path(get_settings().model_dir)
        classifier = CellClassifier(sidecar)
        root = data or get_settings().shared_data_dir / "pbc"
        split_file = classifier.spec.info.get("split", {}).get("file")
        if split != "all" and layout == "pbc" and split_file:
            samples = load_split(sidecar.parent / split_file, root=root).part(split)
        else:
            samples = load_dataset(layout, root)
        result = evaluate_samples(classifier, samples)
    except MarrowscopeError as error:
        raise fail(error) from None
    fine = result.fine
    typer.echo(f"model {classifier.spec.name} on {root} ({split}): {fine.n} labelled images")
    typer.echo(f"{'code':<6}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
    for m in fine.per_class:
        typer.echo(f"{m.code:<6}{m.precision:>10.4f}{m.recall:>10.4f}{m.f1:>10.4f}{m.support:>9}")
    low, high = result.macro_f1_interval
    typer.echo(f"macro F1           {fine.macro_f1:.4f}  (95% CI {low:.3f}-{high:.3f}, bootstrap)")
    typer.echo(f"accuracy           {fine.accuracy:.4f}")
    typer.echo(f"balanced accuracy  {fine.balanced_accuracy:.4f}")
    typer.echo(
        f"ECE (15 bins)      {fine.ece:.4f}  (after temperature {classifier.spec.temperature:.3f})"
    )
    if result.group_accuracy is not None and result.group_accuracy_interval is not None:
        low, high = result.group_accuracy_interval
        typer.echo(
            f"grouped accuracy   {result.group_accuracy:.4f}  "
            f"(95% CI {low:.3f}-{high:.3f}, n={result.group_n})"
        )
    typer.echo(
        f"marked for review  {result.review_fraction:.1%}; "
        f"accuracy of the rest {result.accepted_accuracy:.4f}"
    )
    if result.unknown_codes:
        shown = ", ".join(f"{c}={n}" for c, n in sorted(result.unknown_codes.items()))
        typer.echo(f"not recognisable by this model (not scored): {shown}")
    if result.unreadable:
        typer.echo(f"unreadable images skipped: {result.unreadable}", err=True)
    target = confusion or Path("artefacts") / f"confusion_{classifier.spec.name}_{split}.png"
    plot_confusion(result.confusion, result.codes, target, f"{classifier.spec.name}: {split}")
    typer.echo(f"confusion matrix: {target}")


def classify(
    paths: Annotated[list[Path], typer.Argument(help="image files or folders")],
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout")] = False,
    model: Annotated[
        Path | None, typer.Option(help="model sidecar .json (default: shipped)")
    ] = None,
    threads: Annotated[int | None, typer.Option(help="CPU threads")] = None,
) -> None:
    """Code, confidence, top three and review flag for each image.

    Exit status: 0 if at least one image was classified (unreadable files get an error
    row and a line on stderr), 1 if none could be read, 2 on a usage or model error.
    """
    from marrowscope.ai.batch_abstention import abstain_on_batch
    from marrowscope.ai.data import iter_image_files
    from marrowscope.ai.infer import CellClassifier, default_model_path

    if as_csv and as_json:
        raise fail(MarrowscopeError("choose one of --csv and --json"))
    try:
        classifier = CellClassifier(model or default_model_path(get_settings().model_dir), threads)
        files = iter_image_files(paths)
        if not files:
            raise MarrowscopeError("no image files found in the given paths")
        predictions, abstained = abstain_on_batch(classifier.classify_images(files))
    except MarrowscopeError as error:
        raise fail(error) from None
    for p in predictions:
        if p.error:
            typer.echo(f"error: {p.error}", err=True)
    if as_json:
        rows = [
            {
                "path": p.source,
                "code": p.code,
                "confidence": round(p.confidence, 4),
                "review": p.review,
                "reason": p.reason,
                "top3": [{"code": c, "probability": round(v, 4)} for c, v in p.top3],
                "error": p.error,
            }
            for p in predictions
        ]
        typer.echo(
            json.dumps(
                {
                    "model": classifier.spec.name,
                    "note": _LIMITS_NOTE,
                    "abstained": abstained,
                    "cells": rows,
                },
                indent=2,
            )
        )
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["path", "code", "confidence", "review", "top2", "top3", "reason", "error"])
        for p in predictions:
            rest = [f"{c}:{v:.3f}" for c, v in p.top3[1:]] + ["", ""]
            writer.writerow(
                [
                    p.source,
                    p.code or "",
                    f"{p.confidence:.4f}",
                    str(p.review).lower(),
                    rest[0],
                    rest[1],
                    p.reason,
                    p.error or "",
                ]
            )
        typer.echo(_LIMITS_NOTE, err=True)
        if abstained:
            typer.echo(abstained, err=True)
    else:
        width = max(len(p.source) for p in predictions)
        typer.echo(f"{'path':<{width}}  code  conf.  review  top 3")
        for p in predictions:
            if p.error:
                typer.echo(f"{p.source:<{width}}  ----  -----  yes     {p.error}")
                continue
            top = ", ".join(f"{c} {v:.2f}" for c, v in p.top3)
            flag = "yes" if p.review else "no"
            typer.echo(f"{p.source:<{width}}  {p.code:<4}  {p.confidence:.2f}   {flag:<6}  {top}")
        for line in [abstained] if abstained else review_lines(predictions):
            typer.echo(line)
        typer.echo(_LIMITS_NOTE)
    if all(p.error for p in predictions):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the AI commands to the main app."""
    app.command()(train)
    app.command()(evaluate)
    app.command()(classify)
