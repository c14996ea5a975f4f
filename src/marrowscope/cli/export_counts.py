"""``marrowscope export counts --deidentified``: the de-identified log of saved differentials.

Joins the ``export`` command group if another module (``cli/report.py``: ``export
fhir``/``export hl7``) registered it first, else creates it; either way the command is
``marrowscope export counts``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from marrowscope.cli._common import export_group, fail, parse_actor
from marrowscope.domain.errors import InvalidInput, MarrowscopeError

__all__ = ["export_counts", "register"]


def export_counts(
    deidentified: Annotated[
        bool,
        typer.Option(
            "--deidentified",
            help="required: say so explicitly; there is no identified export",
        ),
    ] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file to write (default: stdout)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of CSV")] = False,
    user: Annotated[str, typer.Option("--user", help="who is exporting (audited)")] = "admin",
    role: Annotated[str, typer.Option("--role", help="admin or lab_scientist")] = "admin",
) -> None:
    """One row per saved differential: pseudonym, age band, sex, month, counts, M:E, blast %."""
    from marrowscope.bootstrap import (
        build_count_log_source,
        build_engine,
        build_uow_factory,
        check_database_ready,
        get_settings,
    )
    from marrowscope.services import counting

    try:
        if not deidentified:
            raise InvalidInput("pass --deidentified: only a de-identified count log is exported")
        actor = parse_actor(user, role)
        settings = get_settings()
        check_database_ready(settings)
        factory = build_uow_factory(build_engine(settings))
        with factory() as uow:
            rows = counting.count_log(uow, build_count_log_source(), actor, settings.secret_key)
    except MarrowscopeError as error:
        raise fail(error) from None
    if as_json or (output is not None and output.suffix.lower() == ".json"):
        text = json.dumps([counting.row_as_dict(r) for r in rows], indent=2) + "\n"
    else:
        text = counting.count_log_csv(rows)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{len(rows)} differential(s) written to {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``export counts`` (to the existing ``export`` group, if any)."""
    export_group(app).command("counts")(export_counts)
