"""``marrowscope review ...``: AI pre-classification of a folder of cell images.

``review import CASE_ID FOLDER`` pre-classifies every image of the folder as one slide
of the case; the morphologist then decides each cell in the web app (``/review``) or
with ``review decide``. The CLI acts as a named member of staff (``--user``/``--role``)
so that every change is audited like one made in the browser.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from marrowscope.cli._common import IMAGE_MAX_BYTES, parse_actor, read_input_file, run, uow_factory
from marrowscope.domain.ai_review import CellCall
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Role

if TYPE_CHECKING:
    from marrowscope.services.ai_review import ReviewStores
    from marrowscope.services.unit_of_work import UnitOfWorkFactory

__all__ = ["IMAGE_SUFFIXES", "register"]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"})

review_app = typer.Typer(
    help="AI pre-classification: the model proposes, a person decides each cell.",
    no_args_is_help=True,
)

_User = Annotated[str, typer.Option("--user", help="who is acting (written to the audit log)")]
_Role = Annotated[str, typer.Option("--role", help="morphologist or pathologist")]


def _review_wiring() -> tuple[UnitOfWorkFactory, ReviewStores]:
    """The unit-of-work factory and the review stores every ``review`` command needs."""
    from marrowscope.bootstrap import build_account_services, build_review_stores

    factory = uow_factory()
    return factory, build_review_stores(build_account_services(factory))


def _images_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InvalidInput(f"{folder}: not a folder")
    found = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )
    if not found:
        raise InvalidInput(f"{folder}: no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return found


@review_app.command("import")
def review_import(
    case_id: int,
    folder: Path,
    slide: Annotated[
        str | None, typer.Option(help="slide label (default: the folder's name)")
    ] = None,
    user: _User = "morphologist",
    role: _Role = Role.MORPHOLOGIST.value,
) -> None:
    """Pre-classify every image in FOLDER as one slide of case CASE_ID."""
    from marrowscope.bootstrap import build_cell_reviewer, get_settings
    from marrowscope.services import ai_review as review

    actor = run(lambda: parse_actor(user, role))

    def act() -> review.ImportResult:
        paths = _images_in(folder)
        images = [review.UploadedImage(p.name, read_input_file(p, IMAGE_MAX_BYTES)) for p in paths]
        factory, stores = _review_wiring()
        label = (slide or folder.resolve().name)[:40]
        with factory() as uow:
            return review.import_images(
                uow, stores, build_cell_reviewer(get_settings()), actor, case_id, label, images
            )

    result = run(act)
    flagged = sum(1 for c in result.calls if c.model.review)
    label = result.calls[0].slide_label if result.calls else (slide or folder.name)
    typer.echo(
        f"slide {label!r} of case {case_id}: {len(result.calls)} cell(s) pre-classified, "
        f"{flagged} marked for review, {len(result.errors)} file(s) refused"
    )
    for name, why in result.errors:
        typer.echo(f"refused {name}: {why}", err=True)
    typer.echo(f"decide each cell at /review/cases/{case_id} before it can be counted")


@review_app.command("list")
def review_list(
    case_id: int,
    slide: Annotated[str | None, typer.Option(help="only this slide")] = None,
    user: _User = "morphologist",
    role: _Role = Role.MORPHOLOGIST.value,
) -> None:
    """The case's cells: model's call, confidence, review flag, decision."""
    from marrowscope.services import ai_review as review

    actor = run(lambda: parse_actor(user, role))

    def act() -> list[CellCall]:
        factory, stores = _review_wiring()
        with factory() as uow:
            return review.calls_for_case(uow, stores, actor, case_id, slide)

    typer.echo("id,slide,image,model_code,confidence,review,state,final_code,decided_by")
    for c in run(act):
        typer.echo(
            f"{c.id},{c.slide_label},{c.image_name},{c.model.code.value},"
            f"{c.model.confidence:.3f},{str(c.model.review).lower()},{c.state.value},"
            f"{c.final_code.value if c.final_code else ''},{c.decided_by or ''}"
        )


@review_app.command("decide")
def review_decide(
    cell_id: int,
    code: Annotated[str, typer.Argument(help="the cell's class (a taxonomy code) or 'reject'")],
    user: _User = "morphologist",
    role: _Role = Role.MORPHOLOGIST.value,
) -> None:
    """Confirm (the model's code), change (another code) or reject one cell."""
    from marrowscope.services import ai_review as review

    actor = run(lambda: parse_actor(user, role))

    def act() -> CellCall:
        factory, stores = _review_wiring()
        chosen = None if code.strip().lower() == "reject" else code
        with factory() as uow:
            return review.decide_cell(uow, stores, actor, cell_id, chosen)

    call = run(act)
    final = call.final_code.value if call.final_code else "-"
    typer.echo(f"cell {call.id}: {call.state.value} {final} (model said {call.model.code.value})")


@review_app.command("count")
def review_count(
    case_id: int,
    slide: Annotated[str, typer.Argument(help="the slide label")],
    user: _User = "morphologist",
    role: _Role = Role.MORPHOLOGIST.value,
) -> None:
    """Turn a fully decided slide into a saved slide count of the case's differential."""
    from marrowscope.services import ai_review as review

    actor = run(lambda: parse_actor(user, role))

    def act() -> tuple[int, int]:
        factory, stores = _review_wiring()
        with factory() as uow:
            count = review.count_slide(uow, stores, actor, case_id, slide)
            return count.id, count.total

    count_id, cells = run(act)
    typer.echo(f"slide count {count_id}: {cells} cell(s) in the differential of case {case_id}")


def register(app: typer.Typer) -> None:
    """Add the ``review`` command group."""
    app.add_typer(review_app, name="review")
