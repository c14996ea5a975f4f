"""``marrowscope batch classify|analyze ROOT --case ID``: a backlog of slides, in parallel.

Each folder under ROOT is one slide (its name is the slide label): single-cell images for
``classify``, smear field images for ``analyze``. Workers do the model work
(``ai.batch``: Ray with ``--address`` or when installed, else a process pool of
``--workers``); this process files each finished slide through the same service as an
upload (``services.ai_review.import_images`` / ``analyze_fields``), one transaction per
slide, so a slide lands whole or not at all. ``ROOT/.marrowscope-batch.json`` (classify)
or ``.marrowscope-analyze.json`` (analyze) records each slide filed: a second run skips
them (resume after a stop), and a slide that failed on every retry is listed there and
tried again next run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from marrowscope.ai.batch import (
    SlideCells,
    SlideFailed,
    SlideFields,
    analyze_slide,
    classify_slide,
    run_slides,
)
from marrowscope.cli._common import (
    IMAGE_MAX_BYTES,
    MESSAGE_MAX_BYTES,
    fail,
    parse_actor,
    read_input_file,
    read_input_text,
    run,
    uow_factory,
)
from marrowscope.cli.batch_ports import PrecomputedCalls, PrecomputedFields
from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Role

__all__ = ["MANIFEST", "MANIFESTS", "register"]

MANIFEST = ".marrowscope-batch.json"
# one manifest per kind of batch: analysing fields is not classifying cells
MANIFESTS = {"classify": MANIFEST, "analyze": ".marrowscope-analyze.json"}
batch_app = typer.Typer(help="Classify a backlog of slide folders in parallel (Ray or processes).")


def _read_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"done": {}, "failed": {}}
    text = read_input_text(path, MESSAGE_MAX_BYTES, "a batch manifest")
    try:
        data = json.loads(text)
    except ValueError as error:
        raise InvalidInput(f"{path}: not a readable batch manifest ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("done"), dict):
        raise InvalidInput(f"{path}: not a batch manifest (no 'done' table)")
    data.setdefault("failed", {})
    return data


def _write_manifest(path: Path, data: dict[str, Any]) -> None:
    partial_path = path.with_name(path.name + ".partial")
    partial_path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial_path, path)


Workers = Annotated[int, typer.Option(help="parallel workers (local Ray or processes)")]
Address = Annotated[
    str | None, typer.Option(help="Ray cluster: HOST:PORT of its head, or ray://HOST:PORT")
]
Retries = Annotated[int, typer.Option(help="tries again of a failed slide")]
Engine = Annotated[str, typer.Option(help="auto, ray or processes")]
User = Annotated[str, typer.Option("--user", help="who is acting (audited)")]
RoleName = Annotated[str, typer.Option("--role")]
CaseId = Annotated[int, typer.Option("--case", help="the case the slides belong to")]


@batch_app.command("classify")
def batch_classify(
    root: Annotated[Path, typer.Argument(help="folder of slide folders of single-cell images")],
    case: CaseId,
    workers: Workers = 1,
    address: Address = None,
    retries: Retries = 2,
    engine: Engine = "auto",
    user: User = "morphologist",
    role: RoleName = Role.MORPHOLOGIST.value,
) -> None:
    """Pre-classify every slide folder under ROOT and store the cells for review."""
    _batch("classify", root, case, workers, address, retries, engine, user, role)


@batch_app.command("analyze")
def batch_analyze(
    root: Annotated[Path, typer.Argument(help="folder of slide folders of smear field images")],
    case: CaseId,
    workers: Workers = 1,
    address: Address = None,
    retries: Retries = 2,
    engine: Engine = "auto",
    user: User = "morphologist",
    role: RoleName = Role.MORPHOLOGIST.value,
) -> None:
    """Find, crop and classify the white cells of every slide folder of fields under ROOT."""
    _batch("analyze", root, case, workers, address, retries, engine, user, role)


def _batch(
    kind: str,
    root: Path,
    case: int,
    workers: int,
    address: str | None,
    retries: int,
    engine: str,
    user: str,
    role: str,
) -> None:
    """Run the slides of ``root`` on the workers and file each one as it finishes."""
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
    manifest_path = root / MANIFESTS[kind]
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
    model_dir = str(settings.model_dir) if settings.model_dir else None
    worker: Callable[..., SlideCells | SlideFields] = (
        classify_slide if kind == "classify" else analyze_slide
    )
    use_ray = None if engine == "auto" else engine == "ray"

    def file_slide(result: SlideCells | SlideFields) -> tuple[int, int]:
        """One transaction: the slide lands whole or not at all; (cells, refused files)."""
        label = Path(result.folder).name
        uploads = [
            review.UploadedImage(n, read_input_file(Path(result.folder) / n, IMAGE_MAX_BYTES))
            for n in result.names
        ]
        data = [u.data for u in uploads]
        name, version = reviewer.model_name, reviewer.model_version
        with factory() as uow:
            if isinstance(result, SlideCells):
                port = PrecomputedCalls.of_cells(result, data, name, version)
                stored = review.import_images(uow, stores, port, actor, case, label, uploads)
                return len(stored.calls), len(stored.errors)
            finder = PrecomputedFields(result, data)
            calls = finder.calls(result, name, version)
            found = review.analyze_fields(uow, stores, finder, calls, actor, case, label, uploads)
            return len(found.calls), len(found.errors)

    filed = failed = cells = 0
    with Progress(transient=True) as progress:
        bar = progress.add_task("slides", total=len(todo))
        results = run(
            lambda: run_slides(
                partial(worker, model_dir=model_dir),
                todo,
                workers=workers,
                retries=retries,
                address=address,
                use_ray=use_ray,
            )
        )
        for result in _refusing(results, manifest_path, manifest):
            progress.advance(bar)
            label = Path(result.folder).name
            if isinstance(result, SlideFailed):
                failed += 1
                manifest["failed"][label] = {"reason": result.reason, "tries": result.tries}
                typer.echo(
                    f"slide {label}: failed after {result.tries} tries: {result.reason}", err=True
                )
                continue
            try:
                stored_cells, refused = file_slide(result)
            except (MarrowscopeError, OSError) as error:
                failed += 1
                manifest["failed"][label] = {"reason": str(error), "tries": 1}
                typer.echo(f"slide {label}: not filed: {error}", err=True)
                continue
            cells += stored_cells
            filed += 1
            manifest["done"][label] = {"cells": stored_cells, "refused": refused}
            manifest["failed"].pop(label, None)
            _write_manifest(manifest_path, manifest)
    _write_manifest(manifest_path, manifest)
    typer.echo(
        f"{filed} slide(s) filed ({cells} cells) on case {case}, {skipped} already done, "
        f"{failed} failed; manifest {manifest_path}"
    )
    if failed:
        raise typer.Exit(1)


def _refusing(
    results: Iterator[SlideCells | SlideFields | SlideFailed],
    manifest_path: Path,
    manifest: dict[str, Any],
) -> Iterator[SlideCells | SlideFields | SlideFailed]:
    """The results; a refusal of the whole batch (no cluster, say) becomes exit 2 in one
    line, after the manifest keeps what was filed so far."""
    try:
        yield from results
    except MarrowscopeError as error:
        _write_manifest(manifest_path, manifest)
        raise fail(error) from None


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command group."""
    app.add_typer(batch_app, name="batch")
