"""``marrowscope report pdf CASE_ID -o out.pdf`` : the case's report.

A signed version is written exactly as stored at sign-out; a draft is rendered afresh and
marked as a draft on every page header.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Actor, Role

__all__ = ["register"]

report_app = typer.Typer(help="The bone marrow report (PDF, HTML).", no_args_is_help=True)

_User = Annotated[str, typer.Option("--user", help="who is reading (kept in the audit log)")]
_Role = Annotated[str, typer.Option("--role", help="their role")]


def _actor(user: str, role: str) -> Actor:
    try:
        return Actor(user, Role(role))
    except ValueError:
        raise InvalidInput(f"role must be one of {', '.join(r.value for r in Role)}") from None


@report_app.command("pdf")
def pdf(
    case_id: int,
    output: Annotated[Path, typer.Option("-o", "--output", help="PDF file to write")],
    version: Annotated[int | None, typer.Option(help="version (default: newest)")] = None,
    user: _User = "pathologist",
    role: _Role = "pathologist",
) -> None:
    """Write the report of CASE_ID as a PDF."""
    from marrowscope.bootstrap import build_engine, build_uow_factory
    from marrowscope.services import reports

    try:
        actor = _actor(user, role)
        with build_uow_factory(build_engine())() as uow:
            data = reports.report_pdf(uow, actor, case_id, version)
        output.write_bytes(data)
    except MarrowscopeError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    except OSError as error:
        typer.echo(f"error: cannot write {output} ({error.strerror})", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {output} ({len(data)} bytes)")


def register(app: typer.Typer) -> None:
    """Add the ``report`` group."""
    app.add_typer(report_app, name="report")
