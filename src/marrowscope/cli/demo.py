"""``marrowscope demo``: what ``make run`` shows on a fresh machine.

For now it prints the report of a built-in, invented 500-cell count; later steps (seed
the database, serve the web app) are added as further lines of ``demo``.
"""

from __future__ import annotations

import typer

from marrowscope.cli.differential_text import render_assessment
from marrowscope.domain.assessment import assess
from marrowscope.domain.differential import demo_counts
from marrowscope.domain.errors import MarrowscopeError

__all__ = ["demo", "register"]


def demo() -> None:
    """Print the differential report of the built-in demo count (not a patient)."""
    try:
        report = render_assessment(assess(demo_counts()))
    except MarrowscopeError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo("Demo count (invented, not a patient)\n")
    typer.echo(report)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the main app."""
    app.command("demo")(demo)
