"""The `marrowscope` command: one Typer app, one module per command group.

Each group module exposes ``register(app)``; adding a group is one line in
``_GROUPS``. Errors raised on purpose (``MarrowscopeError``) are printed to stderr
and end the process with status 2, never with a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys

import typer

from marrowscope.domain.errors import MarrowscopeError

__all__ = ["app", "main"]

app = typer.Typer(
    name="marrowscope",
    help="The whole bone marrow examination: from blood count to signed report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command-group modules under marrowscope.cli; each defines register(app: typer.Typer).
# "export_counts" joins the "export" group of any module listed before it (keep it last).
_GROUPS: tuple[str, ...] = (
    "differential",
    "demo",
    "serve",
    "ai",
    "detect",
    "analyze",
    "pathway",
    "ai_review",
    "interop",
    "hl7",
    "report_pdf",
    "backup",
    "export_reviews",
    "batch",
    "risk",
    "alerts",
    "audit",
    "users",
    "export_counts",
)


def _register_groups() -> None:
    for name in _GROUPS:
        module = importlib.import_module(f"marrowscope.cli.{name}")
        module.register(app)


@app.command()
def version() -> None:
    """Print the installed version."""
    from marrowscope import __version__

    typer.echo(__version__)


_register_groups()


def main() -> None:
    """Entry point of the console script: maps domain errors to exit status 2."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except MarrowscopeError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
