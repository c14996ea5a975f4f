"""``marrowscope detect`` and ``marrowscope train-detector``: cells found in field images.

``detect`` answers per image, so one unreadable file costs only its own row: it exits 0
when at least one image was read, 1 when none could be, 2 on a usage or model error.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from marrowscope.cli._common import fail
from marrowscope.domain.errors import MarrowscopeError

__all__ = ["field_paths", "register"]

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"}


def field_paths(arguments: list[Path]) -> list[Path]:
    """Files as given, and the images inside any folder given (sorted, not recursive)."""
    paths: list[Path] = []
    for arg in arguments:
        if arg.is_dir():
            paths.extend(sorted(p for p in arg.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES))
        else:
            paths.append(arg)
    return paths


def detect(
    images: Annotated[list[Path], typer.Argument(help="field images or folders of them")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON list on stdout")] = False,
    model: Annotated[
        Path | None, typer.Option(help="detector sidecar .json (default: shipped)")
    ] = None,
) -> None:
    """Find white cells (WBC), red cells (RBC) and platelets (PLT) in each field image."""
    from marrowscope.ai.detection.detector import CellDetector
    from marrowscope.ai.detection.field_image import open_field

    try:
        detector = CellDetector(model)
    except MarrowscopeError as error:
        raise fail(error) from None
    results: list[dict[str, object]] = []
    for path in field_paths(images):
        try:
            image = open_field(path)
            cells = detector.detect(image)
        except MarrowscopeError as error:
            typer.echo(f"error: {error}", err=True)
            results.append({"image": str(path), "error": str(error)})
            continue
        results.append(
            {
                "image": str(path),
                "width": image.width,
                "height": image.height,
                "cells": [c.as_json() for c in cells],
            }
        )
    if as_json:
        typer.echo(json.dumps(results, indent=1))
    else:
        for row in results:
            if "error" in row:
                continue
            counts = Counter(c["label"] for c in row["cells"])  # type: ignore[attr-defined]
            summary = "  ".join(
                f"{label} {counts.get(label, 0)}" for label in ("WBC", "RBC", "PLT")
            )
            typer.echo(f"{row['image']}  {row['width']}x{row['height']}  {summary}")
    if not any("error" not in row for row in results):
        raise typer.Exit(1)


def train_detector(
    config: Annotated[Path, typer.Option("--config", help="TOML file under configs/")],
    fresh: Annotated[bool, typer.Option(help="ignore checkpoints and start over")] = False,
    epochs: Annotated[int | None, typer.Option(help="override the config's epochs")] = None,
    max_batches: Annotated[
        int | None, typer.Option(help="cap batches per epoch (smoke runs)")
    ] = None,
    limit_images: Annotated[
        int | None, typer.Option(help="use only the first N images per split")
    ] = None,
    run_dir: Annotated[Path | None, typer.Option(help="override the config's run_dir")] = None,
    ship_to: Annotated[
        Path | None, typer.Option(help="write the ONNX model and sidecar here")
    ] = None,
    frame_images: Annotated[
        Path | None,
        typer.Option(help="the classifier's training images, to measure the crop framing"),
    ] = None,
) -> None:
    r"""Train (or resume) the cell detector on a YOLO folder, then export it.

    The white-cell crop's framing (``frame_factor``) is measured by running the exported
    detector on the classifier's own training images (default: PBC beside the data).

    Needs the training extra: pip install 'marrowscope\[train]'.
    """
    try:
        from marrowscope.ai.train.detection.export import export_detector
        from marrowscope.ai.train.detection.loop import load_detector_config
        from marrowscope.ai.train.detection.loop import train_detector as run
    except ModuleNotFoundError as error:
        typer.echo(f"error: training needs pip install '.[train]' ({error})", err=True)
        raise typer.Exit(2) from None
    try:
        cfg = load_detector_config(
            config,
            epochs=epochs,
            max_batches=max_batches,
            limit_images=limit_images,
            run_dir=str(run_dir) if run_dir else None,
        )
        result = run(cfg, fresh=fresh, log=typer.echo)
        best = result["best"]
        assert isinstance(best, dict)
        sidecar = export_detector(
            cfg,
            Path(str(result["weights"])),
            ship_to or Path(cfg.run_dir),
            {"val_ap50": best.get("ap50"), "best_epoch": best.get("epoch")},
        )
        _measure_framing(sidecar, frame_images or Path(cfg.data_root).parent / "pbc")
    except MarrowscopeError as error:
        raise fail(error) from None
    typer.echo(
        f"{cfg.name}: best epoch {best.get('epoch')}  val AP50 {best.get('ap50')}  -> {sidecar}"
    )


def _measure_framing(sidecar: Path, images: Path) -> None:
    """Write both measured framings into the sidecar (300 images, fixed order)."""
    from marrowscope.ai.train.detection.framing import write_framing

    if not images.is_dir() or not any(images.rglob("*.jpg")):
        typer.echo(f"note: no images under {images}; frame_factor left at its default", err=True)
        return
    typer.echo(write_framing(sidecar, images))


def register(app: typer.Typer) -> None:
    app.command("detect")(detect)
    app.command("train-detector")(train_detector)
