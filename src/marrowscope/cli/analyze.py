"""``marrowscope analyze``: field images of a slide in, an AI-proposed differential out.

Runs detection, cropping and classification for every field (``services.ai_review``),
stores each white cell with the case for review, and prints the differential the model
proposes. That differential is marked as such: it becomes a count only once a person
has decided every cell (web app ``/review``, or ``marrowscope review decide``).
Fields go to the service in small batches, each its own transaction, so a long run
shows progress and an interrupted run keeps the batches it finished.

Never confidently wrong: white cells the classifier calls something else (a platelet)
are printed as a "needs review" line, never dropped from the table unseen; on a slide
whose cells look unlike the training data the model abstains and no differential is
printed, only the reason and where a person classifies the cells; and the output says
which classes the model cannot see at all.
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress

from marrowscope.cli._common import (
    IMAGE_MAX_BYTES,
    fail,
    parse_actor,
    read_input_file,
    run,
    uow_factory,
)
from marrowscope.cli.detect import field_paths
from marrowscope.domain.ai_review import (
    blind_spot_codes,
    blind_spot_words,
    needs_person,
    slide_shift,
)
from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Role

if TYPE_CHECKING:
    from marrowscope.domain.ai_review import CellCall
    from marrowscope.services.ai_review import FieldAnalysis, UploadedImage
    from marrowscope.services.unit_of_work import UnitOfWorkFactory

__all__ = ["register"]

_BATCH_FIELDS = 16
_AI_NOTE = (
    "AI-proposed: not a count until a person has decided every cell "
    "(review at /review/cases/{case}/gallery); only decided cells enter a signed differential."
)
_ABSTAIN_NOTE = (
    "no AI differential proposed: the model abstains on this slide ({reason}); classify "
    "each cell at /review/cases/{case}/gallery (keyboard, as in the counter)."
)


def _proposed_table(calls: list[CellCall]) -> list[str]:
    from marrowscope.domain.ai_review import contradicts_detector
    from marrowscope.domain.counting.counts import CellCounts
    from marrowscope.domain.counting.differential import compute_differential

    contradictions = Counter(
        c.model.code.value for c in calls if contradicts_detector(c.model.code)
    )
    tally = Counter(c.model.code for c in calls if not contradicts_detector(c.model.code))
    if not tally:
        return [f"needs review: all {len(calls)} white cell(s) contradict the detector"]
    differential = compute_differential(CellCounts.of(dict(tally)))
    lines = [f"{'class':<28}{'n':>6}{'%':>8}   95% interval"]
    for row in differential.counted_rows():
        low, high = row.interval_percent.low, row.interval_percent.high
        lines.append(f"{row.name:<28}{row.count:>6}{row.percent:>8.1f}   {low:.1f}-{high:.1f}")
    lines.append(f"{'nucleated cells':<28}{differential.nucleated_cells:>6}")
    if contradictions:
        said = ", ".join(f"{n} {code}" for code, n in sorted(contradictions.items()))
        lines.append(
            f"{'needs review':<28}{sum(contradictions.values()):>6}   detector: white cell; "
            f"classifier: {said} (not in the table above)"
        )
    if differential.adequacy.warning:
        lines.append(f"caution: {differential.adequacy.warning}")
    return lines


def analyze(
    images: Annotated[list[Path], typer.Argument(help="field images or folders of them")],
    case: Annotated[int, typer.Option("--case", help="the case the slide belongs to")],
    slide: Annotated[
        str | None, typer.Option(help="slide label (default: first folder's name)")
    ] = None,
    user: Annotated[str, typer.Option("--user", help="who is acting (audited)")] = "morphologist",
    role: Annotated[
        str, typer.Option("--role", help="morphologist or pathologist")
    ] = Role.MORPHOLOGIST.value,
) -> None:
    """Find, crop and classify every white cell of a slide's field images; store them for review."""
    from marrowscope.bootstrap import (
        build_account_services,
        build_cell_reviewer,
        build_field_finder,
        build_review_stores,
        get_settings,
    )
    from marrowscope.services import ai_review as review

    actor = run(lambda: parse_actor(user, role))
    paths = field_paths(images)
    if not paths:
        raise fail(InvalidInput("no images given (files or folders of .jpg, .png, .tif)"))
    label = (
        slide
        or (images[0].resolve().name if images[0].is_dir() else images[0].resolve().parent.name)
    )[:40]
    try:
        factory = uow_factory()
        stores = build_review_stores(build_account_services(factory))
        finder, classifier = build_field_finder(get_settings()), build_cell_reviewer(get_settings())
    except MarrowscopeError as error:
        raise fail(error) from None

    def _analyze_batch(factory: UnitOfWorkFactory, uploads: list[UploadedImage]) -> FieldAnalysis:
        with factory() as uow:
            return review.analyze_fields(
                uow, stores, finder, classifier, actor, case, label, uploads
            )

    stored: list[CellCall] = []
    errors: list[tuple[str, str]] = []
    fields = 0
    with Progress(transient=True) as progress:
        task = progress.add_task("analysing fields", total=len(paths))
        for start in range(0, len(paths), _BATCH_FIELDS):
            batch = paths[start : start + _BATCH_FIELDS]
            uploads = []
            for p in batch:
                try:
                    uploads.append(
                        review.UploadedImage(p.name, read_input_file(p, IMAGE_MAX_BYTES))
                    )
                except InvalidInput as error:
                    errors.append((p.name, str(error).removeprefix(f"{p}: ")))
            if uploads:
                result = run(partial(_analyze_batch, factory, uploads))
                stored.extend(result.calls)
                errors.extend(result.errors)
                fields += len(result.fields)
            progress.advance(task, len(batch))
    for name, why in errors:
        typer.echo(f"refused {name}: {why}", err=True)
    flagged = sum(1 for c in stored if needs_person(c))
    typer.echo(
        f"slide {label!r} of case {case}: {fields} field(s) analysed, {len(stored)} white cell(s) "
        f"stored, {flagged} marked for review, {len(errors)} file(s) refused"
    )
    if stored:
        abstain = slide_shift(stored[0].slide_label, stored)
        if abstain is not None:
            typer.echo(_ABSTAIN_NOTE.format(reason=abstain.reason, case=case))
        else:
            for line in _proposed_table(stored):
                typer.echo(line)
            typer.echo(_AI_NOTE.format(case=case))
        typer.echo(
            f"the model has no class for {blind_spot_words()} "
            f"({', '.join(c.value for c in blind_spot_codes())}): look for them in every cell."
        )
    if not stored and errors:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``analyze`` command."""
    app.command("analyze")(analyze)
