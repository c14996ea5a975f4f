"""``marrowscope export reviewed-cells DIR``: decided cells as a folder-per-class dataset.

The layout (``DIR/<CODE>/case<ID>_cell<ID>.jpg`` plus ``manifest.csv``) is the one
``marrowscope train`` reads with ``layout = "folders"`` and ``--from-reviews``. The
manifest keeps, per image, the model's call and version beside the person's class, so
the set can also measure the model. File names carry internal ids only, no patient data.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from marrowscope.cli._common import export_group, fail, parse_actor, run, uow_factory
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Role

__all__ = ["register"]


def export_reviewed_cells(
    folder: Annotated[Path, typer.Argument(help="an empty or new folder")],
    user: Annotated[str, typer.Option("--user", help="who is acting (audited)")] = "morphologist",
    role: Annotated[str, typer.Option("--role")] = Role.MORPHOLOGIST.value,
) -> None:
    """Write every confirmed or changed cell, one folder per final class, with a manifest."""
    from marrowscope.bootstrap import build_account_services, build_review_stores
    from marrowscope.services import ai_review as review

    actor = run(lambda: parse_actor(user, role))
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise fail(InvalidInput(f"{folder}: not an empty folder; choose a new one"))

    def act() -> list[review.ReviewedCell]:
        factory = uow_factory()
        stores = build_review_stores(build_account_services(factory))
        with factory() as uow:
            return review.reviewed_cells(uow, stores, actor)

    cells = run(act)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "final_code", "model_code", "model_version", "decided_by"])
        for cell in cells:
            relative = Path(cell.final_code) / f"case{cell.case_id}_cell{cell.cell_id}.jpg"
            (folder / relative).parent.mkdir(exist_ok=True)
            (folder / relative).write_bytes(cell.image)
            writer.writerow(
                [
                    relative.as_posix(),
                    cell.final_code,
                    cell.model_code,
                    cell.model_version,
                    cell.decided_by,
                ]
            )
    classes = len({c.final_code for c in cells})
    typer.echo(f"{len(cells)} reviewed cell(s) in {classes} class folder(s) written to {folder}")


def register(app: typer.Typer) -> None:
    """Add ``export reviewed-cells``."""
    export_group(app).command("reviewed-cells")(export_reviewed_cells)
