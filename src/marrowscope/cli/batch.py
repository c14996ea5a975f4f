"""``marrowscope batch classify ROOT --case ID``: a backlog of slide folders, in parallel.

Each folder under ROOT is one slide (its name is the slide label). Workers classify
(``ai.batch``: Ray with ``--address`` or when installed, else a process pool of
``--workers``); this process files each finished slide through the same service as an
upload (``services.ai_review.import_images``), one transaction per slide, so a slide lands
whole or not at all. ``ROOT/.marrowscope-batch.json`` records each slide filed: a
second run skips them (resume after a stop), and a slide that failed on every retry is
listed there and tried again next run.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from marrowscope.ai.batch import SlideCells, SlideFailed, classify_slide, run_slides
from marrowscope.cli._common import fail, parse_actor, run, uow_factory
from marrowscope.domain.ai_review import ModelCall
from marrowscope.domain.errors import InvalidImage, InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Role

__all__ = ["MANIFEST", "register"]

MANIFEST = ".marrowscope-batch.json"
batch_app = typer.Typer(help="Classify a backlog of slide folders in parallel (Ray or processes).")


class _Precomputed:
    """The worker's calls, handed to the upload service as its classifier port.

    Matched by the image's SHA-256, so the service may refuse some files (duplicates,
    size) before it asks for the rest.
    """

    def __init__(
        self, slide: SlideCells, images: Sequence[bytes], model_name: str, model_version: str
    ) -> None:
        keys = [hashlib.sha256(data).hexdigest() for data in images]
        self._calls = dict(zip(keys, slide.calls, strict=True))
        self._thumbs = dict(zip(keys, slide.thumbnails, strict=True))
        self.model_name, self.model_version = model_name, model_version
        self.cannot_recognise: tuple[str, ...] = ()

    def classify(self, images: Sequence[bytes]) -> list[ModelCall | str]:
        return [self._calls[hashlib.sha256(data).hexdigest()] for data in images]

    def thumbnail(self, image: bytes) -> bytes:
        thumb = self._thumbs.get(hashlib.sha256(image).hexdigest())
        if thumb is None:
            raise InvalidImage("not a readable image")
        return thumb


def _read_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"done": {}, "failed": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidInput(f"{path}: not a readable batch manifest ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("done"), dict):
        raise InvalidInput(f"{path}: not a batch manifest (no 'done' table)")
    data.setdefault("failed", {})
    return data


def _write_manifest(path: Path, data: dict[str, Any]) -> None:
    partial_path = path.with_name(path.name + ".partial")
    partial_path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial_path, path)


@batch_app.command("classify")
def batch_classify(
    root: Annotated[Path, typer.Argument(help="folder of slide folders of single-cell images")],
    case: Annotated[int, typer.Option("--case", help="the case the slides belong to")],
    workers: Annotated[int, typer.Option(help="parallel workers (local Ray or processes)")] = 1,
    address: Annotated[str | None, typer.Option(help="Ray cluster, ray://HOST:PORT")] = None,
    retries: Annotated[int, typer.Option(help="tries again of a failed slide")] = 2,
    engine: Annotated[str, typer.Option(help="auto, ray or processes")] = "auto",
    user: Annotated[str, typer.Option("--user", help="who is acting (audited)")] = "morphologist",
    role: Annotated[str, typer.Option("--role")] = Role.MORPHOLOGIST.value,
) -> None:
    """Pre-classify every slide folder under ROOT and store the cells for review."""
    from marrowscope.bootstrap import (
        build_account_services,
        build_cell_reviewer,
        build_review_stores,
        get_settings,
    )
    from marrowscope.services import ai_review as review

    actor = run(lambda: parse_actor(user, role))
    if engine not in {"auto", "ray", "processes"}:
        raise fail(InvalidInput(f"--engine must be auto, ray or processes, got {engine!r}"))
    if not root.is_dir():
        raise fail(InvalidInput(f"{root}: not a folder of slide folders"))
    manifest_path = root / MANIFEST
    manifest = run(lambda: _read_manifest(manifest_path))
    slides = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    todo = [str(p) for p in slides if p.name not in manifest["done"]]
    skipped = len(slides) - len(todo)
    settings = get_settings()
    try:
        factory = uow_factory()
        stores = build_review_stores(build_account_services(factory))
        reviewer = build_cell_reviewer(settings)
    except MarrowscopeError as error:
        raise fail(error) from None
    work = partial(
        classify_slide, model_dir=str(settings.model_dir) if settings.model_dir else None
    )
    use_ray = None if engine == "auto" else engine == "ray"
    filed = failed = cells = 0
    with Progress(transient=True) as progress:
        bar = progress.add_task("slides", total=len(todo))
        results = run(
            lambda: run_slides(
                work, todo, workers=workers, retries=retries, address=address, use_ray=use_ray
            )
        )
        for result in results:
            progress.advance(bar)
            label = Path(result.folder).name
            if isinstance(result, SlideFailed):
                failed += 1
                manifest["failed"][label] = {"reason": result.reason, "tries": result.tries}
                typer.echo(
                    f"slide {label}: failed after {result.tries} tries: {result.reason}", err=True
                )
                continue
            uploads = [
                review.UploadedImage(n, (Path(result.folder) / n).read_bytes())
                for n in result.names
            ]
            port = _Precomputed(
                result, [u.data for u in uploads], reviewer.model_name, reviewer.model_version
            )
            try:
                with factory() as uow:
                    stored = review.import_images(uow, stores, port, actor, case, label, uploads)
            except MarrowscopeError as error:
                failed += 1
                manifest["failed"][label] = {"reason": str(error), "tries": 1}
                typer.echo(f"slide {label}: not filed: {error}", err=True)
                continue
            cells += len(stored.calls)
            filed += 1
            manifest["done"][label] = {"cells": len(stored.calls), "refused": len(stored.errors)}
            manifest["failed"].pop(label, None)
            _write_manifest(manifest_path, manifest)
    _write_manifest(manifest_path, manifest)
    typer.echo(
        f"{filed} slide(s) filed ({cells} cells) on case {case}, {skipped} already done, "
        f"{failed} failed; manifest {manifest_path}"
    )
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command group."""
    app.add_typer(batch_app, name="batch")
